// The candle chart of one market: candles from /api/candles, live from the price stream, the
// market's wl_ranges as lines, our open orders as price lines and fills as markers.
(function () {
  'use strict';
  var M = window.Misso;
  var LWC = window.LightweightCharts;
  var TF_SECS = { '1m': 60, '5m': 300, '15m': 900, '1h': 3600, '4h': 14400, '1d': 86400 };
  var chart = null;
  var series = null;
  var markers = null;
  var symbol = null;
  var timeframe = '1m';
  var lastBar = null;
  var orderLines = [];
  var rangeLines = [];
  var loadSeq = 0;
  var markerCount = 0;

  function bucket(atMs) {
    var secs = TF_SECS[timeframe] || 60;
    return Math.floor(atMs / 1000 / secs) * secs;
  }

  function note(message) { M.text(M.$('chart-note'), message); }

  function init() {
    chart = LWC.createChart(M.$('chart'), {
      autoSize: true,
      layout: { attributionLogo: false, background: { color: '#ffffff' }, textColor: '#1d2330', fontSize: 12 },
      grid: { vertLines: { color: '#eef0f4' }, horzLines: { color: '#eef0f4' } },
      timeScale: { timeVisible: true, secondsVisible: false },
      rightPriceScale: { borderColor: '#e3e6ec' },
    });
    series = chart.addSeries(LWC.CandlestickSeries, {
      upColor: '#17804a', downColor: '#c62828', borderVisible: false, wickUpColor: '#17804a', wickDownColor: '#c62828',
    });
    // Keep the ranges and our orders in view, not only the candles.
    series.applyOptions({
      autoscaleInfoProvider: function (original) {
        var res = original();
        var extra = rangeLines.concat(orderLines).map(function (l) { return l.options().price; });
        if (!res || !res.priceRange || extra.length === 0) return res;
        res.priceRange.minValue = Math.min.apply(null, [res.priceRange.minValue].concat(extra));
        res.priceRange.maxValue = Math.max.apply(null, [res.priceRange.maxValue].concat(extra));
        return res;
      },
    });
    markers = LWC.createSeriesMarkers(series, []);
    M.$('timeframe').addEventListener('change', function (e) {
      timeframe = e.target.value;
      load();
    });
    M.$('market').addEventListener('change', function (e) { select(e.target.value); });
  }

  function select(next) {
    if (!next || next === symbol) return;
    symbol = next;
    M.$('market').value = next;
    document.querySelectorAll('#prices tbody tr').forEach(function (tr) {
      tr.classList.toggle('selected', tr.dataset.symbol === next);
    });
    load();
  }

  function load() {
    if (!symbol) return;
    var mine = ++loadSeq;
    note('loading ' + symbol + '…');
    M.api('api/candles/' + encodeURIComponent(symbol) + '?timeframe=' + timeframe + '&limit=500').then(function (data) {
      if (mine !== loadSeq) return;
      var bars = data.candles.map(function (c) {
        return { time: Math.floor(c[0] / 1000), open: c[1], high: c[2], low: c[3], close: c[4] };
      });
      series.setData(bars);
      lastBar = bars.length ? Object.assign({}, bars[bars.length - 1]) : null;
      if (lastBar) M.text(M.$('chart-price'), M.fmtPrice(lastBar.close));
      chart.timeScale().scrollToRealTime();
      note(bars.length + ' candles of ' + symbol + ' · ' + timeframe);
      refreshRanges();
      refreshOrders();
    }).catch(function (err) {
      if (mine !== loadSeq) return;
      // Refused for now (the account's rate budget comes first): asked again when the server says,
      // unless another market or timeframe was chosen meanwhile.
      if (err.retryAfterMs) {
        var wait = Math.min(Math.max(err.retryAfterMs, 1000), 30000);
        note('candles unavailable: ' + err.message + '; retrying in ' + Math.round(wait / 1000) + ' s');
        setTimeout(function () { if (mine === loadSeq) load(); }, wait);
        return;
      }
      note('candles unavailable: ' + err.message);
    });
  }

  /** A new last price of `sym` at engine time `at`: extends or starts the current candle. */
  function onPrice(sym, price, at) {
    if (sym !== symbol || !lastBar || !isFinite(price)) return;
    var t = bucket(at);
    if (t > lastBar.time) {
      lastBar = { time: t, open: lastBar.close, high: price, low: price, close: price };
    } else if (t === lastBar.time) {
      lastBar.high = Math.max(lastBar.high, price);
      lastBar.low = Math.min(lastBar.low, price);
      lastBar.close = price;
    } else {
      return;
    }
    series.update(Object.assign({}, lastBar));
    M.text(M.$('chart-price'), M.fmtPrice(price));
  }

  function refreshRanges() {
    if (!symbol) return;
    var sym = symbol;
    M.api('api/state?keys=wl_ranges').then(function (data) {
      rangeLines.forEach(function (l) { series.removePriceLine(l); });
      rangeLines = [];
      var all = data.state.wl_ranges;
      var r = all && all[sym];
      if (sym !== symbol || !Array.isArray(r)) return;
      [['range high', r[0]], ['range low', r[1]]].forEach(function (pair) {
        if (typeof pair[1] !== 'number') return;
        rangeLines.push(series.createPriceLine({ price: pair[1], color: '#8e44ad', lineWidth: 2, lineStyle: 2, axisLabelVisible: true, title: pair[0] }));
      });
    }).catch(function () { /* no wl_ranges in this config */ });
  }

  function refreshOrders() {
    if (!symbol) return;
    var sym = symbol;
    Promise.all([M.api('api/orders?status=open'), M.api('api/orders?status=recent')]).then(function (answers) {
      if (sym !== symbol) return;
      orderLines.forEach(function (l) { series.removePriceLine(l); });
      orderLines = [];
      var open = answers[0].orders.filter(function (o) { return o.symbol === sym; });
      open.forEach(function (o) {
        if (o.price === null) return;
        orderLines.push(series.createPriceLine({
          price: o.price, color: o.side === 'buy' ? '#17804a' : '#c62828', lineWidth: 1, lineStyle: 0,
          axisLabelVisible: true, title: o.side + ' ' + o.amount,
        }));
      });
      var filled = open.concat(answers[1].orders).filter(function (o) { return o.symbol === sym && o.filled > 0; });
      var list = filled.map(function (o) {
        var buy = o.side === 'buy';
        return {
          time: bucket(o.closedAt || o.updatedAt), position: buy ? 'belowBar' : 'aboveBar', color: '#f39c12',
          shape: buy ? 'arrowUp' : 'arrowDown', text: o.side + ' ' + o.filled + ' @ ' + M.fmtPrice(o.average || o.price),
        };
      }).sort(function (a, b) { return a.time - b.time; });
      markers.setMarkers(list);
      markerCount = list.length;
    }).catch(function (err) { note('orders unavailable: ' + err.message); });
  }

  /** What is drawn, for checks that cannot read a canvas: the lines' prices and the markers. */
  function drawn() {
    var price = function (l) { return l.options().price; };
    return { symbol: symbol, ranges: rangeLines.map(price), orders: orderLines.map(price), markers: markerCount, bars: lastBar ? lastBar.time : null };
  }

  M.Chart = { init: init, select: select, onPrice: onPrice, refreshOrders: refreshOrders, refreshRanges: refreshRanges,
    drawn: drawn, get symbol() { return symbol; } };
})();
