/* embedlab projector: a WebGL (or canvas 2-D) scatter of projected embeddings with search,
 * colouring and nearest neighbours computed over the original vectors.  Plain JavaScript,
 * no dependencies; everything it needs is in the page. */
(function () {
  "use strict";

  var DATA = JSON.parse(document.getElementById("projector-data").textContent);
  var N = DATA.labels.length;
  var D = DATA.dim;
  var PALETTE = [[31, 119, 180], [214, 39, 40], [44, 160, 44], [255, 127, 14], [148, 103, 189],
    [140, 86, 75], [227, 119, 194], [23, 190, 207], [188, 189, 34], [127, 127, 127],
    [174, 199, 232], [255, 152, 150], [152, 223, 138], [255, 187, 120], [197, 176, 213],
    [196, 156, 148], [247, 182, 210], [158, 218, 229], [219, 219, 141], [199, 199, 199]];
  var BASE = [70, 110, 170];
  var MAX_LABELS = 250;

  function b64floats(text) {
    var bin = atob(text);
    var bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return new Float32Array(bytes.buffer);
  }

  var vectors = b64floats(DATA.vectors);
  var unit = null; // unit vectors, made on first cosine query
  var labelsLower = DATA.labels.map(function (s) { return s.toLowerCase(); });

  // ------------------------------------------------------------------ state
  var state = {
    method: null, dim: 2, coords: null, // Float32Array n*3, scaled into [-1, 1]
    rot: [1, 0, 0, 0, 1, 0, 0, 0, 1], yaw: 0.6, pitch: 0.35, zoom: 0.9, pan: [0, 0],
    selected: -1, neighbors: [], matches: [], colorBy: "", colors: null, hover: -1
  };
  var projections = {}; // "method-dim" -> {coords: Float32Array (n*dim), description}
  Object.keys(DATA.projections).forEach(function (key) {
    projections[key] = {coords: b64floats(DATA.projections[key].coords),
                        description: DATA.projections[key].description};
  });

  var $ = function (id) { return document.getElementById(id); };
  var glCanvas = $("gl"), overlay = $("overlay"), ctx2 = overlay.getContext("2d");

  // ------------------------------------------------------------------ renderer
  var gl = null, prog = null, buf = {}, renderer = "canvas";
  try {
    gl = glCanvas.getContext("webgl", {antialias: true, preserveDrawingBuffer: true});
  } catch (e) { gl = null; }
  var ctxFallback = null;
  if (gl) {
    renderer = "webgl";
    var vs = "attribute vec3 p; attribute vec3 c; attribute float s;" +
      "uniform mat3 rot; uniform vec2 pan; uniform float zoom; uniform vec2 aspect;" +
      "varying vec3 vc; void main() { vec3 q = rot * p;" +
      " gl_Position = vec4((zoom * q.xy + pan) * aspect, -q.z * 0.5, 1.0);" +
      " gl_PointSize = s; vc = c; }";
    var fs = "precision mediump float; varying vec3 vc; void main() {" +
      " vec2 d = gl_PointCoord - vec2(0.5); if (dot(d, d) > 0.25) discard;" +
      " gl_FragColor = vec4(vc, 0.85); }";
    var compile = function (type, src) {
      var sh = gl.createShader(type); gl.shaderSource(sh, src); gl.compileShader(sh);
      if (!gl.getShaderParameter(sh, gl.COMPILE_STATUS)) throw new Error(gl.getShaderInfoLog(sh));
      return sh;
    };
    try {
      prog = gl.createProgram();
      gl.attachShader(prog, compile(gl.VERTEX_SHADER, vs));
      gl.attachShader(prog, compile(gl.FRAGMENT_SHADER, fs));
      gl.linkProgram(prog);
      gl.useProgram(prog);
      ["p", "c", "s"].forEach(function (name) { buf[name] = gl.createBuffer(); });
    } catch (e) { gl = null; renderer = "canvas"; }
  }
  if (!gl) ctxFallback = glCanvas.getContext("2d");

  function setAttr(name, data, size) {
    var loc = gl.getAttribLocation(prog, name);
    gl.bindBuffer(gl.ARRAY_BUFFER, buf[name]);
    gl.bufferData(gl.ARRAY_BUFFER, data, gl.DYNAMIC_DRAW);
    gl.enableVertexAttribArray(loc);
    gl.vertexAttribPointer(loc, size, gl.FLOAT, false, 0, 0);
  }

  function rotation() {
    if (state.dim === 2) return [1, 0, 0, 0, 1, 0, 0, 0, 1];
    var cy = Math.cos(state.yaw), sy = Math.sin(state.yaw);
    var cp = Math.cos(state.pitch), sp = Math.sin(state.pitch);
    // R = Rx(pitch) * Ry(yaw), row-major
    return [cy, 0, sy, sp * sy, cp, -sp * cy, -cp * sy, sp, cp * cy];
  }

  function size() {
    var w = glCanvas.clientWidth, h = glCanvas.clientHeight, m = Math.min(w, h) || 1;
    return {w: w, h: h, ax: m / (w || 1), ay: m / (h || 1)};
  }

  // screen position (pixels) and depth of point i under the current view
  function toScreen(i, r, sz) {
    var x = state.coords[3 * i], y = state.coords[3 * i + 1], z = state.coords[3 * i + 2];
    var qx = r[0] * x + r[1] * y + r[2] * z, qy = r[3] * x + r[4] * y + r[5] * z;
    var qz = r[6] * x + r[7] * y + r[8] * z;
    var cx = (state.zoom * qx + state.pan[0]) * sz.ax, cy = (state.zoom * qy + state.pan[1]) * sz.ay;
    return [(cx + 1) / 2 * sz.w, (1 - cy) / 2 * sz.h, qz];
  }

  function pointStyle() {
    var colors = new Float32Array(3 * N), sizes = new Float32Array(N);
    var small = N > 20000 ? 2.5 : N > 2000 ? 4 : 7;
    var dim = state.selected >= 0 || state.matches.length > 0;
    var special = {};
    state.matches.forEach(function (i) { special[i] = 2; });
    state.neighbors.forEach(function (n) { special[n[0]] = 3; });
    if (state.selected >= 0) special[state.selected] = 4;
    for (var i = 0; i < N; i++) {
      var c = state.colors ? state.colors[i] : BASE, s = small;
      var k = special[i];
      if (k === 4) { c = [220, 0, 0]; s = small + 9; }
      else if (k === 3) { c = [255, 140, 0]; s = small + 5; }
      else if (k === 2) { c = [200, 0, 160]; s = small + 6; }
      else if (dim) { c = [c[0] * 0.35 + 165, c[1] * 0.35 + 165, c[2] * 0.35 + 165]; }
      colors[3 * i] = c[0] / 255; colors[3 * i + 1] = c[1] / 255; colors[3 * i + 2] = c[2] / 255;
      sizes[i] = s * (window.devicePixelRatio || 1);
    }
    return {colors: colors, sizes: sizes};
  }

  var styleCache = null;
  function restyle() { styleCache = pointStyle(); if (gl) { setAttr("c", styleCache.colors, 3); setAttr("s", styleCache.sizes, 1); } draw(); }

  function resize() {
    var dpr = window.devicePixelRatio || 1;
    [glCanvas, overlay].forEach(function (c) {
      c.width = Math.max(1, Math.round(c.clientWidth * dpr));
      c.height = Math.max(1, Math.round(c.clientHeight * dpr));
    });
    draw();
  }

  var pending = false, lastMove = -1e9, labelTimer = null;
  function moved() { lastMove = performance.now(); draw(); }
  function draw() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(function () { pending = false; drawNow(); });
  }

  function drawNow() {
    if (!state.coords || !styleCache) return;
    var sz = size(), r = rotation(), dpr = window.devicePixelRatio || 1;
    state.rot = r;
    if (gl) {
      gl.viewport(0, 0, glCanvas.width, glCanvas.height);
      gl.clearColor(1, 1, 1, 1);
      gl.enable(gl.DEPTH_TEST);
      gl.clear(gl.COLOR_BUFFER_BIT | gl.DEPTH_BUFFER_BIT);
      gl.enable(gl.BLEND);
      gl.blendFunc(gl.SRC_ALPHA, gl.ONE_MINUS_SRC_ALPHA);
      // WebGL reads mat3 column-major: pass the transpose of the row-major rotation
      gl.uniformMatrix3fv(gl.getUniformLocation(prog, "rot"), false,
        [r[0], r[3], r[6], r[1], r[4], r[7], r[2], r[5], r[8]]);
      gl.uniform2f(gl.getUniformLocation(prog, "pan"), state.pan[0], state.pan[1]);
      gl.uniform1f(gl.getUniformLocation(prog, "zoom"), state.zoom);
      gl.uniform2f(gl.getUniformLocation(prog, "aspect"), sz.ax, sz.ay);
      gl.drawArrays(gl.POINTS, 0, N);
      // highlighted points again on top
      var top = highlighted();
      if (top.length) { gl.disable(gl.DEPTH_TEST); top.forEach(function (i) { gl.drawArrays(gl.POINTS, i, 1); }); }
    } else {
      var c = ctxFallback;
      c.setTransform(dpr, 0, 0, dpr, 0, 0);
      c.fillStyle = "#fff"; c.fillRect(0, 0, sz.w, sz.h);
      var order = [];
      for (var i = 0; i < N; i++) order.push(i);
      var scr = order.map(function (i) { return toScreen(i, r, sz); });
      if (state.dim === 3) order.sort(function (a, b) { return scr[a][2] - scr[b][2]; });
      var hl = {};
      highlighted().forEach(function (i) { hl[i] = true; });
      order = order.filter(function (i) { return !hl[i]; }).concat(highlighted());
      order.forEach(function (i) {
        var p = scr[i], s = styleCache.sizes[i] / dpr / 2;
        if (p[0] < -s || p[1] < -s || p[0] > sz.w + s || p[1] > sz.h + s) return;
        var col = styleCache.colors;
        c.fillStyle = "rgba(" + Math.round(col[3 * i] * 255) + "," + Math.round(col[3 * i + 1] * 255) + "," + Math.round(col[3 * i + 2] * 255) + ",0.85)";
        c.beginPath(); c.arc(p[0], p[1], s, 0, 6.2832); c.fill();
      });
    }
    drawLabels(sz, r, dpr);
  }

  function highlighted() {
    var out = state.matches.slice();
    state.neighbors.forEach(function (n) { out.push(n[0]); });
    if (state.selected >= 0) out.push(state.selected);
    return out;
  }

  // labels: highlighted points first, then a sample of the rest (earliest rows first, as
  // word lists put frequent words first), skipping any label that would overlap another
  function drawLabels(sz, r, dpr) {
    ctx2.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx2.clearRect(0, 0, sz.w, sz.h);
    ctx2.textBaseline = "middle";
    var boxes = [];
    var free = function (b) {
      for (var j = 0; j < boxes.length; j++) {
        var o = boxes[j];
        if (b[0] < o[2] && o[0] < b[2] && b[1] < o[3] && o[1] < b[3]) return false;
      }
      return true;
    };
    var put = function (i, strong) {
      var p = toScreen(i, r, sz);
      if (p[0] < 0 || p[1] < 0 || p[0] > sz.w || p[1] > sz.h) return false;
      var text = DATA.labels[i];
      if (text.length > 40) text = text.slice(0, 39) + "…";
      ctx2.font = strong ? "bold 13px system-ui, sans-serif" : "11px system-ui, sans-serif";
      var w = ctx2.measureText(text).width, x = p[0] + 6, y = p[1];
      var b = [x - 1, y - 8, x + w + 1, y + 8];
      if (strong !== 2 && !free(b)) return false;
      boxes.push(b);
      ctx2.lineWidth = 3; ctx2.strokeStyle = "rgba(255,255,255,0.9)";
      ctx2.strokeText(text, x, y);
      ctx2.fillStyle = strong ? "#900" : "#333";
      ctx2.fillText(text, x, y);
      return true;
    };
    // the selected point always, then neighbours and matches where they fit
    if (state.selected >= 0) put(state.selected, 2);
    highlighted().slice().reverse().forEach(function (i) { if (i !== state.selected) put(i, 1); });
    // while the view moves, sampled labels wait until it rests (big sets stay fluid)
    var still = performance.now() - lastMove;
    if (N > 5000 && still < 150) { clearTimeout(labelTimer); labelTimer = setTimeout(draw, 160 - still); return; }
    var shown = 0, tries = 0, step = Math.max(1, Math.floor(N / 20000));
    for (var i = 0; i < N && shown < MAX_LABELS && tries < 4000; i += step) {
      tries++;
      if (put(i, false)) shown++;
    }
  }

  // ------------------------------------------------------------------ projections
  function setCoords(flat, dim) {
    // center and scale into [-1, 1]; 2-D projections get z = 0
    var c = new Float32Array(3 * N), mean = [0, 0, 0], ext = 1e-12;
    for (var i = 0; i < N; i++) for (var a = 0; a < dim; a++) mean[a] += flat[dim * i + a] / N;
    for (i = 0; i < N; i++) for (a = 0; a < dim; a++) ext = Math.max(ext, Math.abs(flat[dim * i + a] - mean[a]));
    for (i = 0; i < N; i++) for (a = 0; a < dim; a++) c[3 * i + a] = (flat[dim * i + a] - mean[a]) / ext;
    state.coords = c;
    if (gl) setAttr("p", c, 3);
  }

  function show(method, dim) {
    var key = method + "-" + dim;
    state.method = method; state.dim = dim;
    $("method").value = method;
    $("dim" + dim).checked = true;
    var p = projections[key];
    if (p) {
      setCoords(p.coords, dim);
      $("subtitle").textContent = DATA.source + " — " + p.description;
      $("projection-note").textContent = "";
      document.title = DATA.source + " — " + p.description;
      restyle();
      return;
    }
    if (DATA.served) { compute(method, dim); return; }
    $("projection-note").textContent = method.toUpperCase() + " " + dim + "-D is not in this file; " +
      "write it with `embedlab projector ... --methods " + method + " --dims " + dim + "`.";
  }

  function compute(method, dim) {
    var box = $("progress-box"), bar = $("progress"), label = $("progress-label");
    box.hidden = false; bar.value = 0; label.textContent = "computing " + method + " " + dim + "-D…";
    var poll = function () {
      fetch("api/project?method=" + method + "&dim=" + dim).then(function (r) { return r.json(); })
        .then(function (res) {
          if (res.state === "done") {
            box.hidden = true;
            projections[method + "-" + dim] = {coords: b64floats(res.coords), description: res.description};
            if (state.method === method && state.dim === dim) show(method, dim);
          } else if (res.state === "error") {
            box.hidden = true;
            $("projection-note").textContent = res.error;
          } else {
            bar.value = res.fraction || 0;
            label.textContent = res.stage + ": " + Math.round(100 * (res.fraction || 0)) + "%";
            setTimeout(poll, 400);
          }
        }).catch(function (e) { box.hidden = true; $("projection-note").textContent = "projection failed: " + e; });
    };
    poll();
  }

  // ------------------------------------------------------------------ neighbours
  function neighbors(i, k, metric) {
    var scores = new Float32Array(N), q = i * D, j, a, s;
    if (metric === "cosine") {
      if (!unit) {
        unit = new Float32Array(N * D);
        for (j = 0; j < N; j++) {
          var norm = 0;
          for (a = 0; a < D; a++) norm += vectors[j * D + a] * vectors[j * D + a];
          norm = Math.sqrt(norm) || 1;
          for (a = 0; a < D; a++) unit[j * D + a] = vectors[j * D + a] / norm;
        }
      }
      for (j = 0; j < N; j++) {
        s = 0;
        for (a = 0; a < D; a++) s += unit[j * D + a] * unit[q + a];
        scores[j] = s;
      }
    } else {
      for (j = 0; j < N; j++) {
        s = 0;
        for (a = 0; a < D; a++) { var d = vectors[j * D + a] - vectors[q + a]; s += d * d; }
        scores[j] = -Math.sqrt(s);
      }
    }
    // keep the best k (a small sorted list)
    var best = [];
    for (j = 0; j < N; j++) {
      if (j === i) continue;
      if (best.length < k || scores[j] > best[best.length - 1][1]) {
        var pos = best.length;
        while (pos > 0 && best[pos - 1][1] < scores[j]) pos--;
        best.splice(pos, 0, [j, scores[j]]);
        if (best.length > k) best.pop();
      }
    }
    return best;
  }

  function select(i) {
    state.selected = i;
    var list = $("neighbors");
    list.innerHTML = "";
    if (i < 0) { state.neighbors = []; $("selected").textContent = "Click a point to list its nearest neighbours."; restyle(); return; }
    var metric = $("metric").value, k = Math.max(1, Math.min(200, parseInt($("k").value, 10) || 10));
    state.neighbors = neighbors(i, k, metric);
    $("selected").innerHTML = "";
    var strong = document.createElement("strong");
    strong.textContent = DATA.labels[i];
    $("selected").appendChild(document.createTextNode("Nearest to "));
    $("selected").appendChild(strong);
    $("selected").appendChild(document.createTextNode(" (" + metric + ", original " + D + "-D space):"));
    state.neighbors.forEach(function (n) {
      var li = document.createElement("li");
      li.className = "neighbor";
      li.dataset.index = n[0];
      var name = document.createElement("span");
      name.className = "label";
      name.textContent = DATA.labels[n[0]];
      var sc = document.createElement("span");
      sc.className = "score";
      sc.textContent = metric === "cosine" ? n[1].toFixed(3) : (-n[1]).toFixed(3);
      li.appendChild(name); li.appendChild(sc);
      li.onclick = function () { focus(n[0]); select(n[0]); };
      list.appendChild(li);
    });
    restyle();
  }

  function focus(i) {
    // centre the view on point i
    var sz = size(), r = rotation(), p = toScreen(i, r, sz);
    var cx = (p[0] / sz.w) * 2 - 1, cy = 1 - (p[1] / sz.h) * 2;
    state.pan[0] -= cx / sz.ax; state.pan[1] -= cy / sz.ay;
    draw();
  }

  // ------------------------------------------------------------------ search
  function search(text) {
    text = text.trim().toLowerCase();
    var list = $("matches");
    list.innerHTML = "";
    state.matches = [];
    if (!text) { restyle(); return; }
    var exact = [], prefix = [], inner = [];
    for (var i = 0; i < N; i++) {
      var l = labelsLower[i];
      if (l === text) exact.push(i);
      else if (l.indexOf(text) === 0) prefix.push(i);
      else if (l.indexOf(text) > 0) inner.push(i);
    }
    var found = exact.concat(prefix, inner);
    // an exact match is what was asked for: highlight it alone (the list shows the rest)
    state.matches = (exact.length ? exact : found).slice(0, 200);
    if (!found.length) {
      var li = document.createElement("li"); li.className = "muted"; li.textContent = "no match for “" + text + "”";
      list.appendChild(li);
    }
    found.slice(0, 30).forEach(function (i) {
      var item = document.createElement("li");
      item.className = "match";
      item.dataset.index = i;
      item.textContent = DATA.labels[i];
      item.onclick = function () { focus(i); select(i); };
      list.appendChild(item);
    });
    if (found.length > 30) {
      var more = document.createElement("li"); more.className = "muted"; more.textContent = "… " + (found.length - 30) + " more";
      list.appendChild(more);
    }
    if (found.length) { state.zoom = Math.max(state.zoom, 2.5); focus(found[0]); }
    restyle();
  }

  // ------------------------------------------------------------------ colours
  function colorBy(field) {
    state.colorBy = field;
    var legend = $("legend");
    legend.innerHTML = "";
    if (!field) { state.colors = null; restyle(); return; }
    var values = DATA.fields[field];
    var numeric = values.every(function (v) { return typeof v === "number"; });
    var counts = {};
    values.forEach(function (v) { counts[v] = (counts[v] || 0) + 1; });
    var distinct = Object.keys(counts);
    var colors = new Array(N);
    if (numeric && distinct.length > 20) {
      var lo = Math.min.apply(null, values), hi = Math.max.apply(null, values), span = hi - lo || 1;
      for (var i = 0; i < N; i++) {
        var t = (values[i] - lo) / span;
        colors[i] = [Math.round(68 + t * 185), Math.round(1 + t * 230), Math.round(84 - t * 50)];
      }
      addLegend(legend, [68, 1, 84], String(lo));
      addLegend(legend, [253, 231, 34], String(hi));
    } else {
      distinct.sort(function (a, b) { return counts[b] - counts[a]; });
      var index = {};
      distinct.forEach(function (v, j) { index[v] = j < PALETTE.length - 1 ? j : PALETTE.length - 1; });
      for (i = 0; i < N; i++) colors[i] = PALETTE[index[values[i]]];
      distinct.slice(0, PALETTE.length - 1).forEach(function (v, j) {
        addLegend(legend, PALETTE[j], (v === "" ? "(empty)" : v) + " (" + counts[v] + ")");
      });
      if (distinct.length >= PALETTE.length) addLegend(legend, PALETTE[PALETTE.length - 1], "other values");
    }
    state.colors = colors;
    restyle();
  }

  function addLegend(ul, rgb, text) {
    var li = document.createElement("li"), sw = document.createElement("span");
    sw.className = "swatch"; sw.style.background = "rgb(" + rgb.join(",") + ")";
    li.appendChild(sw); li.appendChild(document.createTextNode(text));
    ul.appendChild(li);
  }

  // ------------------------------------------------------------------ mouse
  function pick(px, py, radius) {
    var sz = size(), r = rotation(), best = -1, bestD = radius * radius, bestZ = -Infinity;
    for (var i = 0; i < N; i++) {
      var p = toScreen(i, r, sz), dx = p[0] - px, dy = p[1] - py, d = dx * dx + dy * dy;
      if (d < bestD - 1e-9 || (d <= bestD && p[2] > bestZ)) { best = i; bestD = d; bestZ = p[2]; }
    }
    return best;
  }

  var drag = null;
  glCanvas.addEventListener("mousedown", function (e) {
    drag = {x: e.clientX, y: e.clientY, moved: false, pan: e.shiftKey || e.button === 2 || state.dim === 2};
  });
  window.addEventListener("mousemove", function (e) {
    var rect = glCanvas.getBoundingClientRect();
    if (drag) {
      var dx = e.clientX - drag.x, dy = e.clientY - drag.y, sz = size();
      if (Math.abs(dx) + Math.abs(dy) > 2) drag.moved = true;
      if (drag.pan) {
        state.pan[0] += 2 * dx / sz.w / sz.ax; state.pan[1] -= 2 * dy / sz.h / sz.ay;
      } else {
        state.yaw += dx * 0.01; state.pitch = Math.max(-1.55, Math.min(1.55, state.pitch + dy * 0.01));
      }
      drag.x = e.clientX; drag.y = e.clientY;
      moved();
      return;
    }
    if (e.target !== glCanvas || !state.coords || N > 50000) return;
    var i = pick(e.clientX - rect.left, e.clientY - rect.top, 6), tip = $("tooltip");
    if (i >= 0) {
      tip.hidden = false; tip.textContent = DATA.labels[i];
      tip.style.left = (e.clientX - rect.left + 12) + "px"; tip.style.top = (e.clientY - rect.top + 12) + "px";
    } else { tip.hidden = true; }
  });
  window.addEventListener("mouseup", function (e) {
    if (drag && !drag.moved && e.target === glCanvas) {
      var rect = glCanvas.getBoundingClientRect();
      select(pick(e.clientX - rect.left, e.clientY - rect.top, 10));
    }
    drag = null;
  });
  glCanvas.addEventListener("contextmenu", function (e) { e.preventDefault(); });
  glCanvas.addEventListener("wheel", function (e) {
    e.preventDefault();
    var rect = glCanvas.getBoundingClientRect(), sz = size();
    var f = Math.exp(-e.deltaY * 0.0015);
    // zoom about the cursor: keep the point under it in place
    var cx = ((e.clientX - rect.left) / sz.w * 2 - 1) / sz.ax, cy = (1 - (e.clientY - rect.top) / sz.h * 2) / sz.ay;
    state.pan[0] = cx - (cx - state.pan[0]) * f; state.pan[1] = cy - (cy - state.pan[1]) * f;
    state.zoom *= f;
    moved();
  }, {passive: false});

  // ------------------------------------------------------------------ wiring
  var methodNames = {pca: "PCA", tsne: "t-SNE", umap: "UMAP"};
  DATA.methods.forEach(function (m) {
    var o = document.createElement("option"); o.value = m; o.textContent = methodNames[m] || m;
    $("method").appendChild(o);
  });
  Object.keys(DATA.fields).forEach(function (f) {
    var o = document.createElement("option"); o.value = f; o.textContent = f;
    $("colorby").appendChild(o);
  });
  $("method").onchange = function () { show(this.value, state.dim); };
  $("dim2").onchange = function () { show(state.method, 2); };
  $("dim3").onchange = function () { show(state.method, 3); };
  $("search").addEventListener("keydown", function (e) { if (e.key === "Enter") search(this.value); });
  // the clear button of the search box (Enter is handled above, once)
  $("search").addEventListener("search", function () { if (!this.value) search(""); });
  $("colorby").onchange = function () { colorBy(this.value); };
  $("metric").onchange = function () { if (state.selected >= 0) select(state.selected); };
  $("k").onchange = function () { if (state.selected >= 0) select(state.selected); };
  $("reset").onclick = function () { state.zoom = 0.9; state.pan = [0, 0]; state.yaw = 0.6; state.pitch = 0.35; draw(); };
  window.addEventListener("resize", resize);

  $("title").textContent = DATA.title;
  $("stats").textContent = N.toLocaleString() + " points of " + D + " dimensions; drawn with " +
    (renderer === "webgl" ? "WebGL" : "canvas 2-D") + (DATA.served ? "; served" : "; standalone file");
  document.body.dataset.renderer = renderer;
  var first = DATA.initial.split("-");
  resize();
  show(first[0], parseInt(first[1], 10));
  if (DATA.colorBy) { $("colorby").value = DATA.colorBy; colorBy(DATA.colorBy); }
  document.body.dataset.ready = "1";
  window.embedlabProjector = {state: state, select: select, search: search, focus: focus, pick: pick,
                              toScreen: function (i) { return toScreen(i, rotation(), size()); }};
})();
