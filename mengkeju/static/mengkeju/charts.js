/* ECharts start-up for every page with charts.
 *
 * The view builds each chart's ECharts option (core/charts.py) and puts them in its context as
 * `charts`, {name: option}; base.html writes them once as <script id="mk-charts" type="application/json">
 * and loads this file after the vendored echarts.min.js. Every element with data-chart="name" gets
 * the option of that name:
 *   - an option of null means "nothing to draw": the element is hidden;
 *   - a value {"$formatter": "name", "args": [...]} becomes the function FORMATTERS[name](...args),
 *     for what JSON cannot carry (tooltip formatters);
 *   - every chart is resized with the window.
 * The started charts are kept on window.mkCharts (name → instance) for tests and the console.
 */
(function () {
  'use strict';

  const escape = s => (window.echarts && echarts.format ? echarts.format.encodeHTML(String(s)) : String(s));

  // Functions an option may name. Each takes the args of its {"$formatter"} and returns the formatter.
  const FORMATTERS = {
    // valueFormatter: a number with `digits` decimals (the pie charts of the statistics page).
    fixed: digits => v => (typeof v === 'number' ? v.toFixed(digits) : v),
    // Tooltip of the chain-map graph: a node's name and one line per figure; nothing on an edge.
    // `lines` is [[label, data field], ...].
    nodeFigures: lines => p => p.dataType === 'node'
      ? [escape(p.data.name)].concat(lines.map(([label, field]) => `${escape(label)}: ${escape(p.data[field])}`)).join('<br>')
      : '',
  };

  function revive(value) {
    if (Array.isArray(value)) return value.map(revive);
    if (value && typeof value === 'object') {
      if (typeof value.$formatter === 'string') {
        const make = FORMATTERS[value.$formatter];
        if (!make) throw new Error('charts.js: no formatter named ' + value.$formatter);
        return make(...(value.args || []));
      }
      const out = {};
      for (const key of Object.keys(value)) out[key] = revive(value[key]);
      return out;
    }
    return value;
  }

  function start() {
    const source = document.getElementById('mk-charts');
    if (!window.echarts || !source) return;
    const options = JSON.parse(source.textContent) || {};
    const started = {};
    document.querySelectorAll('[data-chart]').forEach(el => {
      const name = el.dataset.chart;
      const option = options[name];
      if (option === undefined) return;
      if (option === null) { el.style.display = 'none'; return; }
      const chart = echarts.init(el);
      chart.setOption(revive(option));
      started[name] = chart;
    });
    window.addEventListener('resize', () => Object.values(started).forEach(c => c.resize()));
    window.mkCharts = started;
  }

  start();
})();
