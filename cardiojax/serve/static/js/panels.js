// The text panels of a result: the record, one row per class, the beat
// counts, the signal check and what was done to the record.

import {condition, number, t} from './i18n.js';

function add(parent, name, text, attrs = {}) {
  const el = document.createElement(name);
  if (text !== undefined) el.textContent = text;
  for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, value);
  parent.appendChild(el);
  return el;
}

function percent(p) {
  return `${number(100 * p, 1)} %`;
}

/** The record's name, length, rate, leads and units. */
export function recordInfo(dl, record) {
  dl.replaceChildren();
  const duration = record.samples / record.sampling_rate_hz;
  const items = [
    ['record.id', record.record_id],
    ['record.duration', `${number(duration, 1)} s`],
    ['record.rate', `${number(record.sampling_rate_hz, 0)} Hz`],
    ['record.leads', record.lead_names.join(', ')],
    ['record.units', record.is_beats ? t('record.units_beats') : 'mV'],
  ];
  for (const [key, value] of items) {
    const div = add(dl, 'div');
    add(div, 'dt', t(key));
    add(div, 'dd', value, {'data-field': key});
  }
}

/** One row per class: probability, threshold, decision, beats, and the
 * condition's explanation (open where the model decided the class). */
export function classTable(table, data, colours) {
  const tbody = table.tBodies[0];
  tbody.replaceChildren();
  const beats = data.classes.some((row) => row.count !== null);
  table.classList.toggle('has-beats', beats);
  if (!data.classes.length) {
    add(add(tbody, 'tr'), 'td', t('classes.regression'), {colspan: 5});
    return;
  }
  const multi = data.decision_kind === 'multi_label';
  table.classList.toggle('single-label', !multi);
  data.classes.forEach((row, k) => {
    const tr = add(tbody, 'tr', undefined, {'data-class': row.name,
                                            'data-decision': row.decision ? 1 : 0});
    const details = add(add(tr, 'td'), 'details');
    details.open = row.decision;
    const summary = add(details, 'summary');
    if (data.timeline) {
      add(summary, 'span', '', {class: 'swatch'}).style.background = colours[k];
    }
    add(summary, 'span', row.name);
    add(details, 'p', condition(row.name));
    const probability = add(tr, 'td', percent(row.probability), {class: 'number'});
    add(probability, 'span', '', {class: 'probability-bar'})
        .style.width = `${(3 * row.probability).toFixed(2)}em`;
    let threshold;
    if (row.threshold !== null) {
      threshold = `≥ ${percent(row.threshold)}` +
          (row.fitted ? '' : ` ${t('threshold.default')}`);
    } else {
      threshold = multi || data.classes.length !== 2 || k !== 0
          ? t('threshold.argmax') : t('threshold.negative');
    }
    add(tr, 'td', threshold, {class: 'number'});
    const decision = multi
        ? t(row.decision ? 'decision.present' : 'decision.absent')
        : (row.decision ? t('decision.decided') : '—');
    add(tr, 'td', decision, {class: 'decision'});
    add(tr, 'td', row.count === null ? '' : String(row.count),
        {class: 'number beats-column', 'data-count': row.count ?? ''});
  });
}

/** The beats per class beside the timeline. */
export function beatCounts(ul, data, colours) {
  ul.replaceChildren();
  data.classes.forEach((row, k) => {
    const li = add(ul, 'li', undefined, {'data-class': row.name});
    add(li, 'span', '', {class: 'swatch'}).style.background = colours[k];
    add(li, 'span', t('timeline.count', {name: row.name, count: row.count}));
  });
}

/** The signal check's findings, and what was done to the record. */
export function checks(findingsList, preparationList, prediction, modelHz) {
  findingsList.replaceChildren();
  if (!prediction.findings.length) add(findingsList, 'li', t('checks.none'));
  for (const line of prediction.findings) add(findingsList, 'li', line);
  preparationList.replaceChildren();
  for (const line of preparationLines(prediction.preparation, modelHz)) {
    add(preparationList, 'li', line.text, line.raw ? {class: 'raw'} : {});
  }
}

function preparationLines(prep, modelHz) {
  const lines = [];
  const say = (key, params) => lines.push({text: t(key, params)});
  const seconds = (samples) => number(samples / modelHz, 2);
  const rate = prep.sampling_rate_hz;
  const known = new Set(['samples', 'sampling_rate_hz', 'resampled_to_hz',
                         'lead_order', 'window_samples', 'stride_samples',
                         'samples_padded', 'windows', 'windows_dropped',
                         'samples_used', 'samples_dropped', 'beats_from',
                         'beats', 'beats_dropped_at_ends',
                         'beats_dropped_unusable', 'samples_in_beats',
                         'samples_outside_beat_windows', 'reader_notes']);
  if ('samples' in prep) {
    say('prep.record', {samples: prep.samples, rate: number(rate, 0),
                        seconds: number(prep.samples / rate, 1)});
  }
  if (prep.resampled_to_hz) {
    say('prep.resampled', {from: number(rate, 0), to: number(prep.resampled_to_hz, 0)});
  } else if ('resampled_to_hz' in prep) {
    say('prep.rate_kept', {rate: number(rate, 0)});
  }
  if (prep.lead_order) {
    const pairs = prep.lead_order.map(([model, record]) =>
      `${model} ← ${record ?? t('prep.lead_absent')}`);
    say('prep.leads', {pairs: pairs.join(', ')});
  }
  if ('windows' in prep) {
    say('prep.windows', {windows: prep.windows,
                         window: seconds(prep.window_samples),
                         stride: seconds(prep.stride_samples)});
  }
  if (prep.samples_padded) {
    say('prep.padded', {samples: prep.samples_padded,
                        seconds: number(prep.samples_padded / rate, 2)});
  }
  if (prep.windows_dropped && prep.windows_dropped.length) {
    say('prep.windows_dropped', {count: prep.windows_dropped.length});
  }
  if ('beats' in prep) say('prep.beats', {beats: prep.beats, source: prep.beats_from});
  if (prep.beats_dropped_at_ends && prep.beats_dropped_at_ends.length) {
    say('prep.beats_ends', {count: prep.beats_dropped_at_ends.length});
  }
  if (prep.beats_dropped_unusable && prep.beats_dropped_unusable.length) {
    say('prep.beats_unusable', {count: prep.beats_dropped_unusable.length});
  }
  if ('samples_used' in prep) {
    say('prep.samples_used', {used: prep.samples_used, samples: prep.samples});
  }
  if (prep.samples_dropped) say('prep.samples_dropped', {count: prep.samples_dropped});
  if (prep.samples_outside_beat_windows) {
    say('prep.outside_beats', {count: prep.samples_outside_beat_windows});
  }
  if ('samples_in_beats' in prep) {
    say('prep.samples_in_beats', {count: prep.samples_in_beats});
  }
  for (const note of prep.reader_notes || []) lines.push({text: note, raw: true});
  for (const [key, value] of Object.entries(prep)) {
    if (!known.has(key)) lines.push({text: `${key}: ${JSON.stringify(value)}`, raw: true});
  }
  return lines;
}
