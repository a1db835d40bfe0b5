// The beat timeline: every beat of the record as a line coloured by its
// class, the part on screen as a frame; a click picks the nearest beat.

const NS = 'http://www.w3.org/2000/svg';
const WIDTH = 1000;
const HEIGHT = 46;

function node(name, attrs, parent) {
  const el = document.createElementNS(NS, name);
  for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, value);
  if (parent) parent.appendChild(el);
  return el;
}

/** The index of the beat nearest to `time` (s). */
export function nearestBeat(times, time) {
  let best = 0;
  for (let k = 1; k < times.length; k++) {
    if (Math.abs(times[k] - time) < Math.abs(times[best] - time)) best = k;
  }
  return best;
}

/** Draws the timeline of `beats` ({times, classes, colours}) over
 * `duration` s with [t0, t0 + span) framed; `onPick(k)` gets the beat
 * clicked. Returns the SVG element. */
export function drawTimeline(beats, duration, t0, span, onPick) {
  const svg = node('svg', {viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
                           preserveAspectRatio: 'none', role: 'img'});
  node('rect', {x: 0, y: 0, width: WIDTH, height: HEIGHT, fill: '#f4f6fa'}, svg);
  const scale = WIDTH / duration;
  const paths = beats.colours.map(() => []);
  beats.times.forEach((time, k) => {
    paths[beats.classes[k]].push(`M${(time * scale).toFixed(2)} 8V${HEIGHT - 4}`);
  });
  paths.forEach((d, c) => {
    if (d.length) {
      node('path', {d: d.join(''), stroke: beats.colours[c], 'stroke-width': 1,
                    'vector-effect': 'non-scaling-stroke',
                    'data-class': c}, svg);
    }
  });
  node('rect', {x: (t0 * scale).toFixed(2), y: 1,
                width: Math.max(2, span * scale).toFixed(2), height: HEIGHT - 2,
                fill: 'none', stroke: '#1d2433', 'stroke-width': 2,
                'vector-effect': 'non-scaling-stroke'}, svg);
  svg.addEventListener('click', (event) => {
    const box = svg.getBoundingClientRect();
    const time = (event.clientX - box.left) / box.width * duration;
    onPick(nearestBeat(beats.times, time));
  });
  return svg;
}
