// The ECG on paper, in SVG: 25 mm/s, 10 mm/mV, 1 mm minor and 5 mm major
// grid lines, a 1 mV x 0.2 s calibration pulse before each row, the
// attribution as a heat band under each trace, beat marks coloured by class.
//
// The SVG's user unit is the millimetre of paper; `pxPerMm` only sets the
// size on screen, so zooming keeps the paper's proportions.

const NS = 'http://www.w3.org/2000/svg';
export const MM_PER_S = 25;
export const MM_PER_MV = 10;
const ROW_MM = 30;  // one row: 3 mV
const CAL_MM = 10;  // the calibration pulse's margin (0.4 s)
const TOP_MM = 5;  // time labels
const BAND_MM = 3;  // the attribution band
const MINOR = '#f6c9c9';
const MAJOR = '#e07070';
const BAND = '#1d5fa8';
// The clinical print: rows I aVR V1 V4 / II aVL V2 V5 / III aVF V3 V6
// (indices into the standard 12), then a lead II rhythm strip.
const CLINICAL = [[0, 3, 6, 9], [1, 4, 7, 10], [2, 5, 8, 11]];

function node(name, attrs, parent) {
  const el = document.createElementNS(NS, name);
  for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, value);
  if (parent) parent.appendChild(el);
  return el;
}

/** Width of the drawing in mm for `span` seconds. */
export function widthMm(span) {
  return CAL_MM + span * MM_PER_S + 2;
}

/** Rows of the clinical layout: `standard` holds the record column of each
 * standard lead; `selected` the columns shown. */
export function clinicalRows(standard, leadNames, selected, t0, span) {
  const quarter = span / 4;
  const rows = CLINICAL.map((row) => row.map((lead, j) => {
    const column = standard[lead];
    return {leads: selected.has(column) ? [column] : [],
            label: leadNames[column], from: t0 + j * quarter,
            to: t0 + (j + 1) * quarter, x: j * quarter * MM_PER_S};
  }));
  const rhythm = standard[1];
  rows.push([{leads: [rhythm], label: leadNames[rhythm], from: t0,
              to: t0 + span, x: 0}]);
  return rows;
}

/** One row per selected lead, or one row with them all (`overlay`). */
export function stripRows(columns, leadNames, overlay, t0, span) {
  const cell = (leads) => ({leads, label: leads.map((c) => leadNames[c]),
                            from: t0, to: t0 + span, x: 0});
  return overlay ? [[cell(columns)]] : columns.map((c) => [cell([c])]);
}

function tracePath(view, column, cell, mid, pxPerMm) {
  const {signal, channels, fs, samples, offsets} = view;
  const first = Math.max(0, Math.floor(cell.from * fs));
  const last = Math.min(samples, Math.ceil(cell.to * fs));
  const x0 = CAL_MM + cell.x;
  const widthPx = (cell.to - cell.from) * MM_PER_S * pxPerMm;
  const perBucket = Math.max(1, Math.floor((last - first) / (2 * widthPx)));
  const parts = [];
  let pen = 'M';
  const point = (i, v) => {
    if (!Number.isFinite(v)) { pen = 'M'; return; }
    const x = x0 + (i / fs - cell.from) * MM_PER_S;
    const y = mid - (v - offsets[column]) * MM_PER_MV;
    parts.push(`${pen}${x.toFixed(2)} ${y.toFixed(2)}`);
    pen = 'L';
  };
  for (let i = first; i < last; i += perBucket) {
    if (perBucket === 1) { point(i, signal[i * channels + column]); continue; }
    let low = Infinity, high = -Infinity, lowAt = i, highAt = i;
    for (let j = i; j < Math.min(i + perBucket, last); j++) {
      const v = signal[j * channels + column];
      if (v < low) { low = v; lowAt = j; }
      if (v > high) { high = v; highAt = j; }
    }
    if (low === Infinity) { pen = 'M'; continue; }
    if (lowAt < highAt) { point(lowAt, low); point(highAt, high); }
    else { point(highAt, high); point(lowAt, low); }
  }
  return parts.join('');
}

function band(group, view, cell, top) {
  const {attribution, fs} = view;
  const bin = Math.max(0.5, MM_PER_S / fs);  // mm per rectangle
  const lanes = cell.leads.map((c) => attribution.perLead[c]).filter(Boolean);
  if (!lanes.length) return;  // a lead the model does not read
  node('rect', {x: CAL_MM + cell.x, y: top, width: (cell.to - cell.from) * MM_PER_S,
                height: BAND_MM, fill: 'none', stroke: '#b9c9de',
                'stroke-width': 0.15}, group);
  for (let x = 0; x < (cell.to - cell.from) * MM_PER_S; x += bin) {
    const a = Math.floor((cell.from + x / MM_PER_S) * fs) - attribution.start;
    const b = Math.ceil((cell.from + (x + bin) / MM_PER_S) * fs) - attribution.start;
    let peak = 0;
    for (const lane of lanes) {
      for (let i = Math.max(a, 0); i < Math.min(b, lane.length); i++) {
        peak = Math.max(peak, Math.abs(lane[i]));
      }
    }
    const weight = Math.min(1, peak / attribution.scale);
    if (weight < 0.03) continue;
    node('rect', {x: (CAL_MM + cell.x + x).toFixed(2), y: top,
                  width: bin.toFixed(2), height: BAND_MM, fill: BAND,
                  'fill-opacity': (0.1 + 0.85 * weight).toFixed(3)}, group);
  }
}

function beatMarks(group, view, cell, top, bottom) {
  const {beats} = view;
  for (let k = 0; k < beats.times.length; k++) {
    const time = beats.times[k];
    if (time < cell.from || time >= cell.to) continue;
    const x = CAL_MM + cell.x + (time - cell.from) * MM_PER_S;
    const mark = node('path', {d: `M${(x - 1).toFixed(2)} ${top + 0.3}h2l-1 1.8z`,
                               fill: beats.colours[beats.classes[k]],
                               'data-beat': k}, group);
    node('title', {}, mark).textContent = beats.names[beats.classes[k]];
    if (k === beats.selected) {
      node('line', {x1: x, x2: x, y1: top, y2: bottom, stroke: '#333',
                    'stroke-width': 0.25, 'stroke-dasharray': '1 1'}, group);
    }
  }
}

/** Draws `rows` of `view` into a new SVG element at `pxPerMm` px per mm.
 *
 * view: {signal (Float32Array, row-major), channels, fs, samples, offsets
 * (per-lead median, mV), colours (per lead, for overlays), attribution
 * ({start, perLead, scale} or null), beats ({times, classes, names,
 * colours, selected} or null)}. */
export function drawEcg(view, rows, span, pxPerMm) {
  const width = widthMm(span);
  const height = TOP_MM + rows.length * ROW_MM + 1;
  const svg = node('svg', {xmlns: NS, viewBox: `0 0 ${width} ${height}`,
                           width: (width * pxPerMm).toFixed(0),
                           height: (height * pxPerMm).toFixed(0),
                           role: 'img'});
  const defs = node('defs', {}, svg);
  const grid = node('pattern', {id: 'paper-grid', width: 5, height: 5,
                                patternUnits: 'userSpaceOnUse', x: CAL_MM,
                                y: TOP_MM}, defs);
  const line = 0.9 / pxPerMm;
  node('path', {d: 'M1 0V5M2 0V5M3 0V5M4 0V5M0 1H5M0 2H5M0 3H5M0 4H5',
                stroke: MINOR, 'stroke-width': line * 0.7}, grid);
  node('path', {d: 'M0 0V5M0 0H5', stroke: MAJOR, 'stroke-width': line * 1.3},
       grid);
  node('rect', {x: 0, y: TOP_MM, width, height: rows.length * ROW_MM,
                fill: 'url(#paper-grid)'}, svg);
  const bottom = TOP_MM + rows.length * ROW_MM;
  rows.forEach((cells, r) => {
    const top = TOP_MM + r * ROW_MM;
    const mid = top + ROW_MM / 2;
    const group = node('g', {'data-row': r}, svg);
    node('path', {d: `M0.5 ${mid}H2V${mid - MM_PER_MV}H7V${mid}H9`,
                  fill: 'none', stroke: '#000', 'stroke-width': line * 1.4},
         group);
    for (const cell of cells) {
      if (cell.x > 0) {
        node('path', {d: `M${CAL_MM + cell.x} ${mid - 3}v6`, stroke: '#000',
                      'stroke-width': line * 1.4}, group);
      }
      if (view.attribution) band(group, view, cell, top + ROW_MM - BAND_MM - 0.5);
      cell.leads.forEach((column) => {
        const colour = cell.leads.length > 1 ? view.colours[column] : '#000';
        node('path', {d: tracePath(view, column, cell, mid, pxPerMm),
                      fill: 'none', stroke: colour,
                      'stroke-width': line * 1.5, 'stroke-linejoin': 'round',
                      'data-lead': column}, group);
      });
      const labels = Array.isArray(cell.label) ? cell.label : [cell.label];
      let labelX = CAL_MM + cell.x + 1;
      labels.forEach((label, k) => {
        const text = node('text', {x: labelX, y: top + 5,
                                   'font-size': 3.2,
                                   fill: cell.leads.length > 1
                                       ? view.colours[cell.leads[k]]
                                       : (cell.leads.length ? '#000' : '#aaa')},
                          group);
        text.textContent = label;
        labelX += 2.2 * label.length + 3;
      });
      if (view.beats) beatMarks(group, view, cell, top, top + ROW_MM);
      if (r === 0) {
        for (let s = Math.ceil(cell.from); s < cell.to; s++) {
          const x = CAL_MM + cell.x + (s - cell.from) * MM_PER_S;
          node('text', {x: x.toFixed(2), y: TOP_MM - 1.3, 'font-size': 2.6,
                        fill: '#5b6577'}, svg).textContent = `${s} s`;
        }
      }
    }
  });
  svg.dataset.bottom = bottom;
  return svg;
}
