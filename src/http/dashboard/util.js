// Shared helpers of the dashboard: DOM, formatting, the control token and API calls.
(function () {
  'use strict';
  var TOKEN_KEY = 'misso.token';
  var M = (window.Misso = window.Misso || {});

  M.$ = function (id) { return document.getElementById(id); };
  M.text = function (node, value) { node.textContent = value; return node; };
  M.make = function (tag, cls, value) {
    var n = document.createElement(tag);
    if (cls) n.className = cls;
    if (value !== undefined && value !== null) n.textContent = String(value);
    return n;
  };
  M.fmtNum = function (n, digits) {
    if (n === null || n === undefined || !isFinite(n)) return '–';
    return Number(n).toLocaleString('en-US', { maximumFractionDigits: digits === undefined ? 2 : digits });
  };
  M.fmtPrice = function (p) {
    if (p === null || p === undefined) return '–';
    var abs = Math.abs(p);
    return M.fmtNum(p, abs >= 1000 ? 2 : abs >= 1 ? 4 : 8);
  };
  M.clockTime = function (at) { return new Date(at).toLocaleTimeString('en-GB', { hour12: false }); };

  // A token given in the address (`#token=…`, as `misso run` prints it) is kept for this tab
  // only and removed from the address bar, so it is not bookmarked or shared by accident.
  (function takeTokenFromAddress() {
    var m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
    if (!m) return;
    try { sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(m[1])); } catch { /* storage off: ask later */ }
    history.replaceState(null, '', location.pathname + location.search);
  })();

  M.token = function () {
    try { return sessionStorage.getItem(TOKEN_KEY); } catch { return null; }
  };
  M.forgetToken = function () {
    try { sessionStorage.removeItem(TOKEN_KEY); } catch { /* nothing stored */ }
  };
  // Asked once per tab, the first time an action needs it.
  M.askToken = function () {
    var t = M.token();
    if (t) return t;
    t = window.prompt('Control token (http.token, or the #token= part of the address misso printed):');
    if (!t) return null;
    try { sessionStorage.setItem(TOKEN_KEY, t.trim()); } catch { /* kept for this call only */ }
    return t.trim();
  };

  /**
   * Calls the API (paths relative to the page); resolves with the JSON answer, rejects with its
   * error text (the error's `status` is the HTTP status, and `retryAfterMs` the Retry-After wait
   * of a 429 or 503 that sent one).
   */
  M.api = function (path, options) {
    options = options || {};
    var headers = {};
    var token = options.control ? M.askToken() : M.token();
    if (options.control && !token) return Promise.reject(new Error('no token given'));
    if (token) headers['authorization'] = 'Bearer ' + token;
    var init = { method: options.method || 'GET', headers: headers, cache: 'no-store' };
    if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      init.body = JSON.stringify(options.body);
    }
    return fetch(path, init).then(function (res) {
      return res.text().then(function (body) {
        var data = null;
        try { data = body ? JSON.parse(body) : null; } catch { data = null; }
        if (res.ok) return data;
        if (res.status === 401 && options.control) M.forgetToken();
        var err = new Error((data && data.error) || ('HTTP ' + res.status));
        err.status = res.status;
        var after = Number(res.headers.get('retry-after'));
        if ((res.status === 429 || res.status === 503) && isFinite(after) && after > 0) err.retryAfterMs = after * 1000;
        throw err;
      });
    });
  };

  var SVG = 'http://www.w3.org/2000/svg';
  /** Draws `values` as a polyline filling the SVG's viewBox. */
  M.drawLine = function (svg, values, color) {
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    if (values.length < 2) return;
    var box = svg.viewBox.baseVal;
    var w = box && box.width ? box.width : 90;
    var h = box && box.height ? box.height : 22;
    var min = Math.min.apply(null, values);
    var max = Math.max.apply(null, values);
    var span = max - min || 1;
    var pts = values.map(function (v, i) {
      return ((i / (values.length - 1)) * w).toFixed(1) + ',' + (h - 1 - ((v - min) / span) * (h - 2)).toFixed(1);
    });
    var line = document.createElementNS(SVG, 'polyline');
    line.setAttribute('points', pts.join(' '));
    line.setAttribute('stroke', color);
    svg.appendChild(line);
  };
  M.sparkline = function (values) {
    var svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('class', 'spark');
    svg.setAttribute('viewBox', '0 0 90 22');
    svg.setAttribute('preserveAspectRatio', 'none');
    var up = values.length < 2 || values[values.length - 1] >= values[0];
    M.drawLine(svg, values, up ? '#17804a' : '#c62828');
    return svg;
  };
  // Durations as the panels show them: 850 ms, 4.2 s, 3 m 10 s, 2 h 5 m, 1 d 3 h.
  M.fmtDuration = function (ms) {
    if (ms === null || ms === undefined || !isFinite(ms)) return '–';
    if (ms < 0) ms = 0;
    if (ms < 1000) return Math.round(ms) + ' ms';
    var s = ms / 1000;
    if (s < 10 && s % 1 !== 0) return s.toFixed(1) + ' s';
    if (s < 60) return Math.round(s) + ' s';
    var parts = s < 3600 ? [Math.floor(s / 60), 'm', Math.round(s % 60), 's']
      : s < 86400 ? [Math.floor(s / 3600), 'h', Math.floor((s % 3600) / 60), 'm']
      : [Math.floor(s / 86400), 'd', Math.floor((s % 86400) / 3600), 'h'];
    return parts[0] + ' ' + parts[1] + (parts[2] > 0 ? ' ' + parts[2] + ' ' + parts[3] : '');
  };
  // A definition list's rows: [term, value, class?].
  M.fillDl = function (node, rows) {
    node.replaceChildren();
    rows.forEach(function (r) {
      node.appendChild(M.make('dt', null, r[0]));
      node.appendChild(M.make('dd', r[2] || null, r[1]));
    });
  };
  // A table body's one row saying why it is empty.
  M.emptyRow = function (body, cols, message) {
    var tr = M.make('tr');
    var td = M.make('td', 'empty', message);
    td.colSpan = cols;
    tr.appendChild(td);
    body.appendChild(tr);
  };
})();
