/**
 * The UI's only stylesheet and script, served from memory at /assets/* (no build step, no
 * framework; no inline code, so the CSP can forbid it). The script polls the status panel and
 * the tasks it starts, posts the action forms as JSON, and writes server text with textContent only.
 */
export const APP_CSS = `
* { box-sizing: border-box; }
body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #1d232a; background: #f6f7f9; }
header.top { display: flex; gap: 1.5em; align-items: center; padding: .6em 1.2em; background: #1d2b3a; color: #fff; }
header.top a { color: #fff; text-decoration: none; margin-right: 1em; }
.brand { font-weight: 700; }
main { padding: 1em 1.5em; }
h1 { font-size: 1.4em; margin: .2em 0 .6em; }
h2 { font-size: 1.1em; margin: 1.4em 0 .4em; }
table.list { border-collapse: collapse; background: #fff; width: 100%; }
table.list th, table.list td { border-bottom: 1px solid #e3e6ea; padding: .3em .5em; text-align: left; vertical-align: middle; }
table.list th { background: #eef1f4; font-weight: 600; }
.muted { color: #6b7580; }
.error { color: #b00020; }
.mono { font-family: ui-monospace, monospace; font-size: 12px; word-break: break-all; }
.panel { background: #fff; border: 1px solid #e3e6ea; padding: .5em 1em; margin-bottom: 1em; }
.panel p { margin: .3em 0; }
.st { padding: 0 .4em; border-radius: 3px; background: #e3e6ea; }
.st-done, .st-ok { background: #d4f0dc; } .st-failed, .st-rejected { background: #f8d7da; }
.st-running { background: #fff3cd; } .st-queued, .st-pending { background: #e2e8f5; }
.badge.ro { background: #b00020; color: #fff; padding: .1em .6em; border-radius: 3px; }
.filters { margin: .6em 0; display: flex; gap: 1em; flex-wrap: wrap; align-items: end; }
.pager { margin: .8em 0; display: flex; gap: 1em; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2em 1em; background: #fff; padding: .6em 1em; border: 1px solid #e3e6ea; }
dl.facts dt { font-weight: 600; } dl.facts dd { margin: 0; }
pre { margin: 0; white-space: pre-wrap; font-size: 12px; }
svg.timeline { background: #fff; border: 1px solid #e3e6ea; display: block; }
.tick line { stroke: #e3e6ea; } .tick text { font-size: 10px; fill: #6b7580; }
.bar { fill: #3a7bd5; } .bar-rejected { fill: #aab2bb; } .bar-link:hover .bar { fill: #f08c00; }
svg.chart { background: #fff; border: 1px solid #e3e6ea; max-width: 800px; display: block; }
.chart .axis { stroke: #e3e6ea; } .chart text { font-size: 10px; fill: #6b7580; }
.qline { fill: none; stroke: #9aa5b1; stroke-width: 1; }
.dot-used { fill: #2b8a3e; } .dot-rejected { fill: #c92a2a; } .dot-none { fill: #9aa5b1; }
.dot-lr0 { stroke: #1d232a; stroke-width: 2; }
.member { padding: 0 .4em; border-radius: 3px; }
.member-used { background: #d4f0dc; } .member-rejected { background: #f8d7da; }
.lr0-row { background: #fffbe6; } .lr0-mark { color: #8a6d00; }
img.crop { image-rendering: pixelated; margin-right: 4px; border: 1px solid #e3e6ea; }
img.thumb { image-rendering: pixelated; border: 1px solid #e3e6ea; }
.faces { display: flex; gap: 1em; flex-wrap: wrap; align-items: flex-start; }
.face { margin: 0; background: #fff; border: 1px solid #e3e6ea; padding: .4em; max-width: 200px; }
.face img { image-rendering: pixelated; display: block; }
.face figcaption { font-size: 12px; margin-top: .3em; overflow-wrap: anywhere; }
dl.facts dd { overflow-wrap: anywhere; }
.actions { display: flex; gap: 2em; flex-wrap: wrap; margin: 1em 0; align-items: center; }
.action-form, .export-form { margin: .5em 0; }
a.button, button { background: #1d2b3a; color: #fff; border: 0; padding: .35em .9em; border-radius: 3px; cursor: pointer; text-decoration: none; font: inherit; }
button[disabled] { background: #aab2bb; cursor: not-allowed; }
.task-status { margin-top: .4em; }
.task-status.failed { color: #b00020; }
.st-interrupted { background: #fde2c4; }
.legend { font-size: 12px; }
.rank { font-weight: 700; }
`;

export const APP_JS = `'use strict';
(function () {
  var pollMs = Number(document.body.getAttribute('data-poll-ms')) || 2000;

  function pick(obj, dotted) {
    return dotted.split('.').reduce(function (o, k) { return o == null ? undefined : o[k]; }, obj);
  }
  function request(method, url, body) {
    var init = { method: method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
    if (body !== undefined) { init.headers['Content-Type'] = 'application/json'; init.body = JSON.stringify(body); }
    return fetch(url, init).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (j) {
        if (!r.ok) throw new Error((j && j.message) || ('HTTP ' + r.status));
        return j;
      });
    });
  }
  function setStatus(box, text, failed) {
    if (!box) return;
    box.textContent = text;
    box.className = 'task-status' + (failed ? ' failed' : '');
  }

  // Live status panel (sources page).
  var panel = document.querySelector('[data-poll]');
  if (panel) {
    setInterval(function () {
      request('GET', panel.getAttribute('data-poll')).then(function (s) {
        panel.querySelectorAll('[data-field]').forEach(function (el) {
          var v = pick(s, el.getAttribute('data-field'));
          if (v !== undefined && v !== null) el.textContent = String(v);
        });
        var bar = document.getElementById('batch-progress');
        if (bar) { bar.max = Math.max(1, s.totalSources); bar.value = s.finishedSources; }
      }).catch(function () { /* the next poll retries; the page stays usable */ });
    }, pollMs);
  }

  // Tasks page: reload while a task is active.
  if (document.querySelector('[data-reload-while-active]')) setTimeout(function () { location.reload(); }, pollMs);

  function watchTask(task, box, onDone) {
    function show(t) {
      setStatus(box, 'task #' + t.id + ' ' + t.status + ' (' + t.done + '/' + t.total + ')' + (t.error ? ': ' + t.error : ''), t.status === 'failed');
    }
    show(task);
    var timer = setInterval(function () {
      request('GET', '/api/tasks/' + task.id).then(function (r) {
        var t = r.task;
        show(t);
        if (t.status === 'done' || t.status === 'failed') { clearInterval(timer); if (t.status === 'done') onDone(t); }
      }).catch(function (e) { clearInterval(timer); setStatus(box, String(e.message), true); });
    }, Math.min(pollMs, 1000));
  }

  function intField(form, name) {
    var el = form.querySelector('[name="' + name + '"]');
    if (!el || el.value === '') return undefined;
    return Number(el.value);
  }

  document.querySelectorAll('form.action-form').forEach(function (form) {
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var box = form.querySelector('.task-status');
      var body = {};
      var seed = intField(form, 'seed'); if (seed !== undefined) body.seed = seed;
      var steps = intField(form, 'steps'); if (steps !== undefined) body.steps = steps;
      var sampler = form.querySelector('[name="sampler"]'); if (sampler && sampler.value !== '') body.sampler = sampler.value;
      setStatus(box, 'starting…', false);
      request('POST', form.getAttribute('data-endpoint'), body).then(function (r) {
        watchTask(r.task, box, function () { location.reload(); });
      }).catch(function (e) { setStatus(box, String(e.message), true); });
    });
  });

  // Tasks page: re-run a failed or interrupted task (a new task with the same request).
  document.querySelectorAll('button.rerun').forEach(function (btn) {
    btn.addEventListener('click', function () {
      var box = btn.parentNode.querySelector('.task-status');
      btn.disabled = true;
      setStatus(box, 'starting…', false);
      request('POST', btn.getAttribute('data-endpoint'), {}).then(function () { location.reload(); })
        .catch(function (e) { btn.disabled = false; setStatus(box, String(e.message), true); });
    });
  });

  document.querySelectorAll('form.export-form').forEach(function (form) {
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var box = form.querySelector('.task-status');
      var ids = [];
      form.querySelectorAll('input[name="trackId"]').forEach(function (el) {
        if (el.type === 'hidden' || el.checked) ids.push(Number(el.value));
      });
      if (ids.length === 0) { setStatus(box, 'select at least one track', true); return; }
      setStatus(box, 'starting…', false);
      request('POST', form.getAttribute('data-endpoint'), { trackIds: ids }).then(function (r) {
        watchTask(r.task, box, function (t) {
          var res = t.result || {};
          var list = document.createElement('ul');
          list.className = 'export-files';
          (res.files || []).forEach(function (f) { var li = document.createElement('li'); li.textContent = f; list.appendChild(li); });
          setStatus(box, 'exported ' + (res.files || []).length + ' files to ' + res.outDir, false);
          box.appendChild(list);
        });
      }).catch(function (e) { setStatus(box, String(e.message), true); });
    });
  });
})();
`;
