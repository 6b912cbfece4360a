// The orders table (open, recent, failed with reason) with cancel and amend buttons. Actions
// go to the control API with the bearer token, asked for once per tab.
(function () {
  'use strict';
  var M = window.Misso;
  var kind = 'open';
  var pending = null;

  function say(message, isError) {
    var node = M.$('order-msg');
    node.className = isError ? 'err' : 'muted';
    M.text(node, message);
  }

  function row(o) {
    var tr = M.make('tr', o.status === 'failed' || o.status === 'rejected' ? 'down' : null);
    tr.dataset.order = o.clientOrderId;
    tr.dataset.status = o.status;
    tr.appendChild(M.make('td', 'muted', M.clockTime(o.closedAt || o.updatedAt || o.createdAt)));
    tr.appendChild(M.make('td', 'cid', o.clientOrderId));
    tr.appendChild(M.make('td', null, o.symbol));
    tr.appendChild(M.make('td', 'side ' + o.side, o.side));
    tr.appendChild(M.make('td', 'num', o.price === null ? 'market' : M.fmtPrice(o.price)));
    tr.appendChild(M.make('td', 'num', M.fmtNum(o.amount, 8)));
    tr.appendChild(M.make('td', 'num', M.fmtNum(o.filled, 8)));
    tr.appendChild(M.make('td', 'status', o.status));
    tr.appendChild(M.make('td', 'err', o.reason || ''));
    var actions = M.make('td', 'actions');
    // A queued order (pending) is cancelled (dropped unsent) and amended (changed before it is
    // sent) as an open one is; a market order has no price to amend.
    if (o.status === 'open' || o.status === 'pending') {
      var cancel = M.make('button', 'danger', 'Cancel');
      cancel.type = 'button';
      cancel.dataset.action = 'cancel';
      actions.appendChild(cancel);
      if (o.type !== 'market' && o.price !== null) {
        var amend = M.make('button', null, 'Amend');
        amend.type = 'button';
        amend.dataset.action = 'amend';
        actions.appendChild(amend);
      }
    }
    tr.appendChild(actions);
    return tr;
  }

  function render(orders) {
    var body = M.$('order-list').tBodies[0];
    body.replaceChildren();
    if (orders.length === 0) {
      var tr = M.make('tr');
      var td = M.make('td', 'empty', 'no ' + kind + ' orders');
      td.colSpan = 10;
      tr.appendChild(td);
      body.appendChild(tr);
      return;
    }
    orders.forEach(function (o) { body.appendChild(row(o)); });
  }

  function refresh() {
    var mine = kind;
    return M.api('api/orders?status=' + kind).then(function (data) {
      if (mine === kind) render(data.orders);
    }).catch(function (err) { say('orders unavailable: ' + err.message, true); });
  }

  // Order events come in bursts (sent, acknowledged, filled): one refresh per burst.
  function refreshSoon() {
    if (pending) return;
    pending = setTimeout(function () {
      pending = null;
      refresh();
      M.Chart.refreshOrders();
    }, 300);
  }

  function act(button) {
    var tr = button.closest('tr');
    var id = tr.dataset.order;
    var path = 'api/orders/' + encodeURIComponent(id);
    var call;
    if (button.dataset.action === 'cancel') {
      say('cancelling ' + id + '…');
      call = M.api(path, { method: 'DELETE', control: true }).then(function () { say('cancelled ' + id); });
    } else {
      var current = tr.children[4].textContent.replace(/,/g, '');
      var answer = window.prompt('New price for ' + id + ':', current);
      if (answer === null) return;
      var price = Number(answer.replace(/,/g, ''));
      if (!isFinite(price) || price <= 0) { say('not a price: ' + answer, true); return; }
      say('amending ' + id + '…');
      call = M.api(path, { method: 'PATCH', body: { price: price }, control: true }).then(function () { say('amended ' + id + ' to ' + M.fmtPrice(price)); });
    }
    button.disabled = true;
    call.catch(function (err) { say(id + ': ' + err.message, true); })
      .then(function () { button.disabled = false; refreshSoon(); });
  }

  function init() {
    document.querySelectorAll('.tabs button').forEach(function (b) {
      b.addEventListener('click', function () {
        kind = b.dataset.kind;
        document.querySelectorAll('.tabs button').forEach(function (x) { x.classList.toggle('on', x === b); });
        refresh();
      });
    });
    M.$('order-list').addEventListener('click', function (e) {
      var button = e.target.closest('button[data-action]');
      if (button) act(button);
    });
    refresh();
  }

  M.Orders = { init: init, refresh: refresh, refreshSoon: refreshSoon };
})();
