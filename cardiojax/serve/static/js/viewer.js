// The viewer page: open a record, draw it, ask for attributions, download.
//
// document.body.dataset.state is 'idle', 'loading', 'ready' or 'error';
// #attribution-status's data-state is 'none', 'loading', 'ready' or 'error'.

import {ApiError, getJSON, post} from './api.js';
import * as i18n from './i18n.js';
import {clinicalRows, drawEcg, MM_PER_S, stripRows, widthMm} from './paper.js';
import * as panels from './panels.js';
import {drawTimeline} from './timeline.js';

const SPANS = [1, 2.5, 5, 10, 20, 30, 60];  // seconds on screen
const WHOLE_RECORD_S = 60;  // shorter records are explained at once
const CLASS_COLOURS = ['#2e7d32', '#c62828', '#1565c0', '#ef6c00', '#6a1b9a',
                       '#00838f', '#ad1457', '#5d4037', '#546e7a'];
const LEAD_COLOURS = ['#000000', '#c62828', '#1565c0', '#2e7d32', '#ef6c00',
                      '#6a1b9a', '#00838f', '#ad1457', '#5d4037', '#546e7a',
                      '#9e9d24', '#283593'];
const $ = (id) => document.getElementById(id);

const state = {
  model: null,  // GET /model
  source: null,  // {files} or {example}
  data: null,  // POST /record
  view: null,  // what paper.js draws
  t0: 0,
  span: 10,
  selected: new Set(),
  attributionKey: null,
  request: 0,
  pxPerMm: 4,
  attributionStatus: {name: 'none', key: null, params: {}, detail: ''},
};

function duration() {
  return state.data.record.samples / state.data.record.sampling_rate_hz;
}

function decode(base64) {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  return new Float32Array(bytes.buffer);
}

function medians(signal, channels, samples) {
  const step = Math.max(1, Math.floor(samples / 20000));
  const out = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    const values = [];
    for (let i = 0; i < samples; i += step) {
      const v = signal[i * channels + c];
      if (Number.isFinite(v)) values.push(v);
    }
    values.sort((a, b) => a - b);
    out[c] = values.length ? values[Math.floor(values.length / 2)] : 0;
  }
  return out;
}

// ------------------------------------------------------------ status ----

function setError(error) {
  const box = $('error');
  if (!error) { box.hidden = true; return; }
  const status = error instanceof ApiError ? error.status : 0;
  box.dataset.status = status;
  $('error-title').textContent = i18n.t(
      i18n.has(`error.${status}`) ? `error.${status}` : 'error.other');
  $('error-detail').textContent = error.detail || String(error.message || error);
  box.hidden = false;
}

function setAttributionStatus(name, key = null, params = {}, detail = '') {
  state.attributionStatus = {name, key, params, detail};
  renderAttributionStatus();
}

function renderAttributionStatus() {
  const {name, key, params, detail} = state.attributionStatus;
  const el = $('attribution-status');
  el.dataset.state = name;
  const text = key ? i18n.t(key, {...params, method: params.method &&
                                  i18n.t(`method.${params.method}`)}) : '';
  el.textContent = detail ? `${text} ${detail}` : text;
}

// ------------------------------------------------------------- open -----

async function analyse(source) {
  setError(null);
  state.source = source;
  document.body.dataset.state = 'loading';
  $('status').textContent = i18n.t('status.loading');
  try {
    const data = await (await post('/record', source)).json();
    show(data);
    document.body.dataset.state = 'ready';
  } catch (error) {
    $('results').hidden = true;
    setError(error);
    document.body.dataset.state = 'error';
  } finally {
    $('status').textContent = '';
  }
}

function show(data) {
  const record = data.record;
  state.data = data;
  const signal = decode(record.signal);
  const channels = record.lead_names.length;
  state.view = {
    signal, channels, fs: record.sampling_rate_hz, samples: record.samples,
    offsets: medians(signal, channels, record.samples), colours: LEAD_COLOURS,
    attribution: null,
    beats: data.timeline && {times: data.timeline.times_s,
                             classes: data.timeline.classes,
                             names: data.prediction.class_names,
                             colours: CLASS_COLOURS, selected: null},
  };
  state.span = Math.min(10, duration());
  state.t0 = 0;
  state.selected = new Set(record.lead_names.map((_, c) => c));
  state.attributionKey = null;
  const layout = $('layout');
  layout.querySelector('[value=clinical]').disabled = !record.standard_12;
  layout.value = record.standard_12 ? 'clinical' : 'strips';
  $('overlay').checked = false;
  const leads = $('leads');
  leads.querySelectorAll('label').forEach((el) => el.remove());
  record.lead_names.forEach((name, c) => {
    const label = document.createElement('label');
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.checked = true;
    box.dataset.lead = c;
    box.addEventListener('change', () => {
      if (box.checked) state.selected.add(c); else state.selected.delete(c);
      redraw();
    });
    const swatch = document.createElement('span');
    swatch.className = 'swatch';
    swatch.style.background = LEAD_COLOURS[c % LEAD_COLOURS.length];
    label.append(box, swatch, name);
    leads.appendChild(label);
  });
  const classes = $('explain-class');
  classes.replaceChildren(new Option('', ''));
  for (const name of data.prediction.class_names) classes.add(new Option(name, name));
  renderText();
  $('results').hidden = false;
  redraw();
  refreshAttribution();
}

function renderText() {
  if (!state.data) return;
  const data = state.data;
  panels.recordInfo($('record-info'), data.record);
  panels.classTable($('classes'), data, CLASS_COLOURS);
  $('aggregate-rule').textContent = data.prediction.aggregate.rule
      ? i18n.t('classes.rule', {rule: data.prediction.aggregate.rule}) : '';
  $('timeline-panel').hidden = !data.timeline;
  if (data.timeline) panels.beatCounts($('timeline-counts'), data, CLASS_COLOURS);
  panels.checks($('findings'), $('preparation'), data.prediction,
                state.model.contract.sampling_rate_hz);
  $('units-note').textContent = i18n.t(
      data.record.is_beats ? 'viewer.units_beats' : 'viewer.units');
  $('explain-class').options[0].textContent = i18n.t('viewer.explain_decided');
}

// ------------------------------------------------------------- draw -----

function clampT0(t0) {
  return Math.min(Math.max(0, t0), Math.max(0, duration() - state.span));
}

function redraw() {
  if (!state.data) return;
  const record = state.data.record;
  state.t0 = clampT0(state.t0);
  const selected = [...state.selected].sort((a, b) => a - b);
  const rows = $('layout').value === 'clinical'
      ? clinicalRows(record.standard_12, record.lead_names, state.selected,
                     state.t0, state.span)
      : stripRows(selected, record.lead_names, $('overlay').checked,
                  state.t0, state.span);
  const plot = $('plot');
  state.pxPerMm = Math.max(1.5, (plot.clientWidth - 2) / widthMm(state.span));
  plot.replaceChildren(drawEcg(state.view, rows, state.span, state.pxPerMm));
  const pan = $('pan');
  pan.max = Math.max(0, duration() - state.span).toFixed(2);
  pan.value = state.t0.toFixed(2);
  $('span-label').textContent = i18n.t('viewer.span', {s: i18n.number(state.span, 1)});
  $('time-label').textContent = `${i18n.number(state.t0, 1)}–${
      i18n.number(state.t0 + state.span, 1)} s`;
  if (state.view.beats) {
    $('timeline').replaceChildren(drawTimeline(
        state.view.beats, duration(), state.t0, state.span, jumpToBeat));
  }
}

function jumpToBeat(k) {
  state.view.beats.selected = k;
  state.t0 = clampT0(state.view.beats.times[k] - state.span / 2);
  redraw();
  refreshAttributionSoon();
}

function zoom(direction) {
  const centre = state.t0 + state.span / 2;
  const spans = SPANS.filter((s) => s < duration()).concat([duration()]);
  const index = spans.findIndex((s) => s >= state.span - 1e-9);
  const next = spans[Math.min(Math.max(index + direction, 0), spans.length - 1)];
  state.span = next;
  state.t0 = clampT0(centre - next / 2);
  redraw();
  refreshAttributionSoon();
}

function pan(seconds) {
  state.t0 = clampT0(state.t0 + seconds);
  redraw();
  refreshAttributionSoon();
}

// ------------------------------------------------------ attribution -----

function scaleOf(perLead) {
  const values = [];
  for (const lane of perLead) {
    if (!lane) continue;
    const step = Math.max(1, Math.floor(lane.length / 50000));
    for (let i = 0; i < lane.length; i += step) values.push(Math.abs(lane[i]));
  }
  values.sort((a, b) => a - b);
  const p99 = values.length ? values[Math.floor(0.99 * (values.length - 1))] : 0;
  return p99 > 0 ? p99 : 1;
}

let attributionTimer = null;
function refreshAttributionSoon() {
  clearTimeout(attributionTimer);
  attributionTimer = setTimeout(refreshAttribution, 350);
}

async function refreshAttribution() {
  const method = $('method').value;
  if (!state.data) return;
  if (!method) {
    state.view.attribution = null;
    state.attributionKey = null;
    setAttributionStatus('none');
    redraw();
    return;
  }
  const className = $('explain-class').value;
  const whole = duration() <= WHOLE_RECORD_S;
  const start = whole ? 0 : state.t0;
  const stop = whole ? duration() : state.t0 + state.span;
  const key = `${method}|${className}|${start.toFixed(3)}|${stop.toFixed(3)}`;
  if (key === state.attributionKey) return;
  state.attributionKey = key;
  const request = ++state.request;
  setAttributionStatus('loading', 'status.explaining');
  const fields = {method, class_name: className};
  if (!whole) Object.assign(fields, {start_s: start, stop_s: stop});
  try {
    const answer = await (await post('/explain', state.source, fields)).json();
    if (request !== state.request) return;
    const perLead = answer.attributions.map((a) => a && Float32Array.from(a));
    state.view.attribution = {start: answer.start_sample, perLead,
                              scale: scaleOf(perLead)};
    const explained = [...new Set(answer.inputs.map((i) => i.class))];
    setAttributionStatus('ready', 'attribution.ready', {
      method, inputs: answer.inputs.length, classes: explained.join(', ')});
  } catch (error) {
    if (request !== state.request) return;
    state.attributionKey = null;
    state.view.attribution = null;
    setAttributionStatus('error', 'attribution.failed', {},
                         error.detail || error.message);
  }
  redraw();
}

// -------------------------------------------------------- downloads -----

function save(blob, name) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

async function download(kind) {
  const name = `${state.data.prediction.record_id}.${kind}`;
  $('status').textContent = i18n.t('status.preparing');
  try {
    if (kind === 'json') {
      save(new Blob([JSON.stringify(state.data.prediction, null, 2)],
                    {type: 'application/json'}), name);
    } else if (kind === 'csv') {
      save(await (await post('/predict?format=csv', state.source)).blob(), name);
    } else {
      const fields = {format: kind, method: $('method').value,
                      class_name: $('explain-class').value,
                      start_s: state.t0, stop_s: state.t0 + state.span};
      save(await (await post('/figure', state.source, fields)).blob(), name);
    }
  } catch (error) {
    setError(error);
  } finally {
    $('status').textContent = '';
  }
}

// ------------------------------------------------------------ wiring ----

function wire() {
  $('language').addEventListener('change', async (event) => {
    const lang = await i18n.setLanguage(event.target.value);
    localStorage.setItem('cardiojax.language', lang);
    renderModelLine();
    renderText();
    renderAttributionStatus();
    if (state.data) redraw();
  });
  $('files').addEventListener('change', (event) => {
    if (event.target.files.length) analyse({files: [...event.target.files]});
  });
  $('open-example').addEventListener('click', () => {
    if ($('example').value) analyse({example: $('example').value});
  });
  $('layout').addEventListener('change', () => {
    if ($('layout').value === 'clinical') $('overlay').checked = false;
    redraw();
  });
  $('overlay').addEventListener('change', () => {
    if ($('overlay').checked) $('layout').value = 'strips';
    redraw();
  });
  $('zoom-in').addEventListener('click', () => zoom(-1));
  $('zoom-out').addEventListener('click', () => zoom(1));
  $('earlier').addEventListener('click', () => pan(-state.span / 2));
  $('later').addEventListener('click', () => pan(state.span / 2));
  $('pan').addEventListener('input', (event) => {
    state.t0 = Number(event.target.value);
    redraw();
    refreshAttributionSoon();
  });
  $('method').addEventListener('change', refreshAttribution);
  $('explain-class').addEventListener('change', refreshAttribution);
  const plot = $('plot');
  plot.addEventListener('keydown', (event) => {
    if (event.key === 'ArrowLeft') pan(-state.span / 4);
    if (event.key === 'ArrowRight') pan(state.span / 4);
  });
  let drag = null;
  plot.addEventListener('pointerdown', (event) => {
    drag = {x: event.clientX, t0: state.t0};
    plot.setPointerCapture(event.pointerId);
  });
  plot.addEventListener('pointermove', (event) => {
    if (!drag) return;
    state.t0 = clampT0(drag.t0 - (event.clientX - drag.x) / (state.pxPerMm * MM_PER_S));
    requestAnimationFrame(redraw);
  });
  plot.addEventListener('pointerup', () => {
    if (drag && drag.t0 !== state.t0) refreshAttributionSoon();
    drag = null;
  });
  for (const button of document.querySelectorAll('[data-download]')) {
    button.addEventListener('click', () => download(button.dataset.download));
  }
  window.addEventListener('resize', () => redraw());
}

function renderModelLine() {
  const model = state.model;
  $('model-line').textContent = i18n.t('model.line', {
    run: model.run, corpus: model.corpus,
    classes: model.class_names.join(', ') || '—'});
  const select = $('example');
  select.replaceChildren(new Option(i18n.t('open.choose'), ''));
  for (const example of model.examples) {
    const key = `example.${example.name}`;
    select.add(new Option(i18n.has(key) ? i18n.t(key) : example.description,
                          example.name));
  }
}

async function init() {
  const wanted = localStorage.getItem('cardiojax.language') ||
      (navigator.language || 'en').slice(0, 2);
  $('language').value = await i18n.setLanguage(wanted);
  state.model = await getJSON('/model');
  renderModelLine();
  wire();
  document.body.dataset.ready = '1';
}

init().catch((error) => setError(error));
