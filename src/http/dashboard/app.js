// The page's main loop: the live stream (/events), the event history replayed on load, and the
// health, streams, watch list, positions and capital panels. Chart and orders live in their own
// files. When the stream is lost (the engine died or its server closed) nothing stays green:
// health shows as unknown, greyed, with the time the connection was lost, until it is back.
(function () {
  'use strict';
  var M = window.Misso;
  var $ = M.$, text = M.text, make = M.make, fmtNum = M.fmtNum, fmtPrice = M.fmtPrice;
  var fmtDuration = M.fmtDuration, fillDl = M.fillDl, emptyRow = M.emptyRow;
  var MAX_LOG = 200;
  var SPARK_POINTS = 90;
  var snap = null;
  var receivedAt = 0;
  var history = null;          // events buffered until the history is in
  var lastSeq = 0;
  var watch = {};              // symbol → recent prices
  var capital = [];
  var positionsDue = null;
  // Snapshots come every 2 s: this long without one is a lost connection too (a hung engine,
  // a network that dropped without closing the socket).
  var SILENT_AFTER_MS = 15000;
  var lostAt = null;           // when the event stream failed; null while it is open
  var streamId = 0;            // the last SSE id seen: a lower one comes from another server

  function badge(cls, label) { return make('span', 'badge ' + cls, label); }
  function setBadge(node, cls, label) { node.className = 'badge ' + cls; node.textContent = label; }
  function engineNow() { return snap ? snap.now + (Date.now() - receivedAt) : Date.now(); }
  // Null while the page hears the engine; else since when it has not (the stream's failure, or
  // the last snapshot when they stopped coming).
  function lostSince() {
    if (lostAt !== null) return lostAt;
    return snap && Date.now() - receivedAt > SILENT_AFTER_MS ? receivedAt : null;
  }
  // The engine has stopped (or faulted): nothing of it is running, whatever each part last said.
  function ended() { return snap.phase === 'stopping' || snap.phase === 'stopped' || snap.phase === 'faulted'; }
  function ago(at) { return at === null || at === undefined ? 'never' : fmtDuration(engineNow() - at) + ' ago'; }

  function taskBadge(t, lost) {
    if (lost) return badge('idle', 'unknown');
    if (t.ok === false) return badge('down', 'down');
    if (ended()) return badge('idle', 'stopped');
    return t.ok === true ? badge('up', 'up') : badge('idle', 'pending');
  }

  function renderTasks(lost) {
    var body = $('tasks').tBodies[0];
    body.replaceChildren();
    var names = Object.keys(snap.tasks).sort();
    if (names.length === 0) return emptyRow(body, 9, 'no tasks');
    names.forEach(function (name) {
      var t = snap.tasks[name];
      var tr = make('tr', t.ok === false && !lost ? 'down' : null);
      tr.dataset.task = name;
      var nameCell = make('td');
      nameCell.appendChild(make('strong', null, name));
      nameCell.appendChild(make('div', 'muted', t.kind));
      tr.appendChild(nameCell);
      var st = make('td');
      st.appendChild(taskBadge(t, lost));
      tr.appendChild(st);
      tr.appendChild(make('td', 'state', t.state));
      tr.appendChild(make('td', 'num runs', t.runs));
      tr.appendChild(make('td', 'num failures', t.failures + (t.consecutiveFailures > 0 ? ' (' + t.consecutiveFailures + ' in a row)' : '')));
      tr.appendChild(make('td', 'num age', ago(t.lastSuccessAt)));
      tr.appendChild(make('td', 'num', fmtDuration(t.lastDurationMs)));
      tr.appendChild(make('td', 'num', t.freqSecs === null ? '–' : t.freqSecs + ' s'));
      tr.appendChild(make('td', 'err', t.lastError || ''));
      body.appendChild(tr);
    });
  }

  function streamBadge(st) {
    if (st.up) return badge('up', 'up');
    if (st.phase === 'down') return badge('down', 'down');
    if (st.phase === 'stalled') return badge('warn', 'stalled');
    // Connected but not proven yet (gap filling, or holding after a stall before it counts as up).
    return st.phase === 'up' ? badge('warn', 'settling') : badge('idle', st.phase);
  }

  // The last message's lag behind the exchange and the largest of the last minute; a dash for a
  // stream whose messages carry no event time (candles).
  function lagText(st) {
    var last = fmtDuration(st.lagMs), max = fmtDuration(st.maxLagMs);
    if (max === '–') return last;
    return last + ' · max ' + max;
  }

  function renderStreams(lost) {
    var streams = snap.streams || [];
    var body = $('streams').tBodies[0];
    body.replaceChildren();
    if (streams.length === 0) return emptyRow(body, 7, 'no websocket streams: REST only');
    var sinceSnapshot = engineNow() - snap.now;
    streams.forEach(function (st) {
      var tr = make('tr', lost || st.up || st.phase === 'connecting' ? null : st.phase === 'down' ? 'down' : 'stale');
      tr.dataset.stream = st.name;
      var nameCell = make('td');
      nameCell.appendChild(make('strong', null, st.name));
      tr.appendChild(nameCell);
      var status = make('td');
      status.appendChild(lost ? badge('idle', 'unknown') : ended() ? badge('idle', 'stopped') : streamBadge(st));
      tr.appendChild(status);
      tr.appendChild(make('td', 'num age', st.lastMessageAgeMs === null ? 'never' : fmtDuration(st.lastMessageAgeMs + sinceSnapshot)));
      tr.appendChild(make('td', 'num lag', lagText(st)));
      tr.appendChild(make('td', 'num', st.reconnects));
      tr.appendChild(make('td', 'num', st.stalls));
      tr.appendChild(make('td', 'err', st.lastError || ''));
      body.appendChild(tr);
    });
  }

  function isStale(a) {
    if (a.stale) return true;
    if (a.maxAgeMs === null) return false;
    return a.updatedAt === null || engineNow() - a.updatedAt > a.maxAgeMs;
  }

  function renderAttributes() {
    var body = $('attributes').tBodies[0];
    body.replaceChildren();
    var names = Object.keys(snap.attributes).sort();
    if (names.length === 0) return emptyRow(body, 6, 'no attributes');
    names.forEach(function (name) {
      var a = snap.attributes[name];
      var stale = isStale(a);
      var tr = make('tr', stale ? 'stale' : null);
      tr.dataset.attribute = name;
      tr.appendChild(make('td', null, name));
      tr.appendChild(make('td', null, a.summary));
      tr.appendChild(make('td', 'num age', a.updatedAt === null ? 'never' : fmtDuration(engineNow() - a.updatedAt)));
      tr.appendChild(make('td', 'num', a.maxAgeMs === null ? '–' : fmtDuration(a.maxAgeMs)));
      tr.appendChild(make('td', 'muted', a.source || '–'));
      var f = make('td');
      f.appendChild(stale ? badge('warn', 'stale') : a.maxAgeMs === null ? badge('idle', 'no limit') : badge('up', 'fresh'));
      tr.appendChild(f);
      body.appendChild(tr);
    });
  }

  function notePrices(prices) {
    Object.keys(prices).forEach(function (s) {
      var list = watch[s] || (watch[s] = []);
      if (list[list.length - 1] !== prices[s] || list.length === 1) list.push(prices[s]);
      if (list.length > SPARK_POINTS) list.shift();
    });
  }

  function renderWatch() {
    var body = $('prices').tBodies[0];
    body.replaceChildren();
    var symbols = Object.keys(watch).sort();
    if (symbols.length === 0) return emptyRow(body, 3, 'no prices yet');
    var select = $('market');
    if (select.options.length !== symbols.length) {
      select.replaceChildren();
      symbols.forEach(function (s) { select.appendChild(make('option', null, s)); });
      if (M.Chart.symbol) select.value = M.Chart.symbol;
    }
    symbols.forEach(function (s) {
      var tr = make('tr', s === M.Chart.symbol ? 'selected' : null);
      tr.dataset.symbol = s;
      tr.appendChild(make('td', null, s));
      var list = watch[s];
      tr.appendChild(make('td', 'num', fmtPrice(list[list.length - 1])));
      var spark = make('td');
      spark.appendChild(M.sparkline(list));
      tr.appendChild(spark);
      body.appendChild(tr);
    });
    if (!M.Chart.symbol) M.Chart.select(symbols.indexOf('BTC/USD:USD') >= 0 ? 'BTC/USD:USD' : symbols[0]);
  }

  function renderSide() {
    text($('capital-total'), fmtNum(snap.capital.total));
    text($('capital-free'), fmtNum(snap.capital.free));
    var o = snap.orders;
    fillDl($('orders'), [['Pending', o.pending], ['Open', o.open], ['Recently closed', o.recentlyClosed],
      ['Lost', o.lost, o.lost > 0 ? 'err' : null], ['Failed (since start)', o.failed], ['Submitted (since start)', o.submitted]]);
    var x = snap.exchange;
    fillDl($('exchange'), [['Session', x.restarting ? 'restarting…' : 'open'], ['In flight', x.inFlight], ['Restarts', x.restarts]]);
    var b = x.budget;
    var pct = b.capacity > 0 ? Math.min(100, (100 * b.usedInWindow) / b.capacity) : 0;
    text($('budget-text'), b.capacity > 0
      ? fmtNum(b.usedInWindow, 0) + ' / ' + fmtNum(b.capacity, 0) + ' per ' + fmtDuration(b.windowMs)
      : 'no budget reported');
    $('budget-bar').className = 'bar' + (pct >= 90 ? ' hot' : '');
    $('budget-bar').firstElementChild.style.width = pct.toFixed(1) + '%';
    var rows = Object.keys(b.waiting).map(function (p) { return ['Waiting · ' + p, b.waiting[p]]; });
    var pausedFor = b.pausedUntil === null ? 0 : b.pausedUntil - engineNow();
    rows.push(['Paused', pausedFor > 0 ? 'for ' + fmtDuration(pausedFor) : 'no', pausedFor > 0 ? 'err' : null]);
    fillDl($('budget'), rows);
  }

  function renderHeader(lost) {
    text($('name'), snap.name);
    document.title = snap.name + ' · misso';
    // Ready only while running: a phase event (stopping, stopped) can come without a snapshot after it.
    var ready = snap.phase === 'running' && snap.ready && !Object.keys(snap.tasks).some(function (k) { return snap.tasks[k].ok === false; });
    // The engine said it stopped: that much is known even once its server is gone.
    var known = lost === null || snap.phase === 'stopped' || snap.phase === 'faulted';
    if (known) {
      setBadge($('phase'), snap.phase === 'running' ? 'up' : snap.phase === 'faulted' ? 'down' : 'idle', snap.phase);
      setBadge($('ready'), ready ? 'up' : 'down', ready ? 'ready' : 'not ready');
    } else {
      setBadge($('phase'), 'idle', 'unknown');
      setBadge($('ready'), 'idle', 'unknown');
    }
    $('phase').title = known ? '' : 'last known: ' + snap.phase;
    $('ready').title = known ? '' : 'last known: ' + (ready ? 'ready' : 'not ready');
    text($('exchange-id'), 'exchange: ' + snap.exchangeId);
    var uptime = $('uptime');
    uptime.className = lost === null ? 'meta' : 'meta lost';
    text(uptime, lost !== null ? 'connection lost since ' + M.clockTime(lost)
      : ended() ? 'ran ' + fmtDuration(snap.now - snap.startedAt) : 'up ' + fmtDuration(engineNow() - snap.startedAt));
  }

  function render() {
    if (!snap) return;
    var lost = lostSince();
    document.body.classList.toggle('lost', lost !== null);
    if (lostAt === null) setBadge($('conn'), lost === null ? 'up' : 'warn', lost === null ? 'live' : 'no updates');
    renderHeader(lost);
    renderTasks(lost !== null);
    renderStreams(lost !== null);
    renderAttributes();
    renderSide();
  }

  function renderCapital() {
    M.drawLine($('capital-curve'), capital.map(function (p) { return p.total; }), '#2f5fd0');
  }

  function refreshPositions() {
    if (positionsDue) return;
    positionsDue = setTimeout(function () {
      positionsDue = null;
      M.api('api/positions').then(function (data) {
        var body = $('positions').tBodies[0];
        body.replaceChildren();
        if (data.positions.length === 0) return emptyRow(body, 6, 'no open positions');
        data.positions.forEach(function (p) {
          var tr = make('tr');
          tr.dataset.position = p.symbol;
          tr.appendChild(make('td', null, p.symbol));
          tr.appendChild(make('td', 'side ' + (p.side === 'long' ? 'buy' : 'sell'), p.side || '–'));
          tr.appendChild(make('td', 'num', fmtNum(p.size, 8)));
          tr.appendChild(make('td', 'num', fmtPrice(p.entryPrice)));
          tr.appendChild(make('td', 'num', fmtPrice(p.markPrice)));
          tr.appendChild(make('td', 'num pnl ' + (p.unrealizedPnl > 0 ? 'pos' : p.unrealizedPnl < 0 ? 'neg' : ''), fmtNum(p.unrealizedPnl)));
          body.appendChild(tr);
        });
      }).catch(function () { /* shown empty */ });
    }, 200);
  }

  function addLog(at, level, message) {
    var li = make('li', level);
    li.appendChild(make('time', null, M.clockTime(at)));
    li.appendChild(document.createTextNode(message));
    var log = $('log');
    var placeholder = $('log-empty');
    if (placeholder) placeholder.remove();
    log.insertBefore(li, log.firstChild);
    while (log.children.length > MAX_LOG) log.removeChild(log.lastChild);
  }

  // Runs and writes happen every few seconds; the log keeps failures, recoveries, orders and
  // what the engine itself announces.
  function applyEvent(ev, replay) {
    if (ev.seq !== undefined) {
      if (ev.seq <= lastSeq) return;
      lastSeq = ev.seq;
    }
    if (ev.type === 'task') {
      var before = snap && snap.tasks[ev.task];
      if (snap) snap.tasks[ev.task] = ev.status;
      if (ev.status.ok === false) addLog(ev.at, 'error', 'task ' + ev.task + ' failed: ' + (ev.status.lastError || 'no reason given'));
      else if (ev.status.ok === true && (replay || (before && before.ok === false))) addLog(ev.at, 'info', 'task ' + ev.task + ' recovered');
    } else if (ev.type === 'attribute') {
      if (snap) snap.attributes[ev.attribute] = ev.status;
      if (ev.attribute === 'positions') refreshPositions();
      if (ev.attribute === 'wl_ranges') M.Chart.refreshRanges();
    } else if (ev.type === 'prices') {
      notePrices(ev.prices);
      Object.keys(ev.prices).forEach(function (s) { M.Chart.onPrice(s, ev.prices[s], ev.at); });
      renderWatch();
    } else if (ev.type === 'order') {
      addLog(ev.at, ev.status === 'failed' || ev.status === 'rejected' ? 'warn' : 'info',
        'order ' + ev.clientOrderId + ' ' + ev.side + ' ' + ev.symbol + ': ' + ev.status + (ev.kind ? ' · ' + ev.kind : '') + (ev.reason ? ' (' + ev.reason + ')' : ''));
      if (!replay) M.Orders.refreshSoon();
    } else if (ev.type === 'command') {
      if (ev.outcome === 'unauthorized') {
        // Folded: a count per stranger's chat and window, the last command typed.
        addLog(ev.at, 'warn', 'telegram: ' + (ev.count || 1) + ' command(s) refused from ' + (ev.chat === 'other chats' ? 'other chats' : 'chat ' + ev.chat) + ' (not in chat_id), last /' + ev.command);
      } else {
        addLog(ev.at, ev.outcome === 'ok' ? 'info' : 'warn', 'telegram /' + ev.command + ': ' + ev.outcome);
      }
    } else if (ev.type === 'notification') {
      addLog(ev.at, ev.level, ev.message);
    } else if (ev.type === 'phase') {
      if (snap) {
        snap.phase = ev.phase;
        if (ev.phase !== 'running') snap.ready = false;
      }
      addLog(ev.at, ev.phase === 'faulted' ? 'error' : 'info', 'updater ' + ev.phase);
    } else if (ev.type === 'exchange') {
      if (snap) { snap.exchange.restarting = ev.restarting; snap.exchange.restarts = ev.restarts; }
      addLog(ev.at, 'info', ev.restarting ? 'exchange session restarting' : 'exchange session reopened (' + ev.restarts + ' restarts)');
    }
  }

  // True when a message comes from another server than the last one (restarted behind the same
  // address): its ids, and its history's seq, count from 1 again.
  function fromNewServer(e) {
    var id = Number(e.lastEventId);
    var fresh = id > 0 && id <= streamId;
    if (id > 0) streamId = id;
    return fresh;
  }

  function onSnapshot(next, newServer) {
    var restarted = snap !== null && (newServer || next.startedAt !== snap.startedAt);
    if (restarted) lastSeq = 0;
    snap = next;
    receivedAt = Date.now();
    if (Object.keys(watch).length === 0 && Object.keys(snap.prices).length > 0) {
      notePrices(snap.prices);
      renderWatch();
    }
    var total = snap.capital.total;
    if (typeof total === 'number' && total > 0 && (capital.length === 0 || capital[capital.length - 1].total !== total)) {
      capital.push({ at: snap.now, total: total });
      renderCapital();
    }
    render();
    if (restarted) {
      addLog(Date.now(), 'info', 'reconnected to a restarted server (engine started ' + M.clockTime(snap.startedAt) + '); replaying its history');
      replayHistory();
    }
  }

  function connect() {
    var es = new EventSource('events');
    es.onopen = function () {
      lostAt = null;
      setBadge($('conn'), 'up', 'live');
    };
    es.onerror = function () {
      if (lostAt === null) {
        lostAt = Date.now();
        addLog(lostAt, 'error', 'connection to misso lost; retrying');
      }
      setBadge($('conn'), 'warn', 'reconnecting');
      render();
      // The browser retries by itself unless the answer was not an event stream (a proxy's error
      // page): then it gives up, and the page tries again itself.
      if (es.readyState === EventSource.CLOSED) setTimeout(connect, 3000);
    };
    es.addEventListener('snapshot', function (e) { onSnapshot(JSON.parse(e.data), fromNewServer(e)); });
    es.addEventListener('status', function (e) {
      if (fromNewServer(e)) lastSeq = 0;
      var ev = JSON.parse(e.data);
      if (history) history.push(ev);
      else { applyEvent(ev, false); render(); }
    });
  }

  // The stream opens first and its events wait, so nothing falls between history and stream.
  function replayHistory() {
    history = [];
    return M.api('api/events').then(function (data) {
      data.events.forEach(function (ev) { applyEvent(ev, true); });
    }).catch(function () { /* no history on this server */ }).then(function () {
      var waiting = history;
      history = null;
      waiting.forEach(function (ev) { applyEvent(ev, false); });
      render();
    });
  }

  M.Chart.init();
  M.Orders.init();
  M.$('prices').addEventListener('click', function (e) {
    var tr = e.target.closest('tr[data-symbol]');
    if (tr) M.Chart.select(tr.dataset.symbol);
  });
  M.api('api/capital').then(function (data) { capital = data.points.concat(capital); renderCapital(); }).catch(function () { /* no curve */ });
  refreshPositions();
  connect();
  replayHistory();
  // Ages keep counting between snapshots.
  setInterval(render, 1000);
})();
