/* The network map (network/_region_map.html): the region pack's outlines with the network's nodes.
 *
 * The view writes {map, url, option} as <script id="mk-region-map" type="application/json">
 * (network.views.region_map_spec). This file fetches the outlines (GeoJSON, features named by
 * division code) from `url`, registers them with the vendored ECharts under `map`, and draws `option`
 * into #region-map. Nodes marked `outside` (enclaves and others located outside the region) have no
 * position in the option: they are placed in a row below the region's outline, labelled with their
 * home province or city, and the view is widened to include that row. A click on a node opens its
 * page. The chart follows the size of its box (window resize, phone rotation). The started chart is
 * window.mkRegionMap; #region-map gets data-ready="1" once drawn, or the fallback note shows.
 */
(function () {
  'use strict';

  function bounds(geojson) {
    let west = Infinity, south = Infinity, east = -Infinity, north = -Infinity;
    const visit = c => {
      if (typeof c[0] === 'number') {
        west = Math.min(west, c[0]); east = Math.max(east, c[0]);
        south = Math.min(south, c[1]); north = Math.max(north, c[1]);
      } else c.forEach(visit);
    };
    geojson.features.forEach(f => visit(f.geometry.coordinates));
    return { west, south, east, north };
  }

  // Put the nodes outside the region in a row under its outline; returns the view's bounding coords.
  function placeOutside(option, box) {
    const outside = [];
    option.series.forEach(s => s.data.forEach(d => { if (d.outside) outside.push(d); }));
    const height = box.north - box.south;
    if (!outside.length) return [[box.west, box.north], [box.east, box.south]];
    const row = box.south - height * 0.1;
    const step = (box.east - box.west) / outside.length;
    outside.forEach((d, i) => { d.value = [box.west + step * (i + 0.5), row]; });
    return [[box.west, box.north], [box.east, box.south - height * 0.2]];
  }

  function fail(el) {
    el.hidden = true;
    const note = document.getElementById('region-map-fallback');
    if (note) note.hidden = false;
  }

  function start() {
    const source = document.getElementById('mk-region-map');
    const el = document.getElementById('region-map');
    if (!source || !el) return;
    if (!window.echarts) { fail(el); return; }
    const spec = JSON.parse(source.textContent);
    fetch(spec.url, { credentials: 'same-origin' })
      .then(r => { if (!r.ok) throw new Error('map ' + r.status); return r.json(); })
      .then(geojson => {
        echarts.registerMap(spec.map, geojson);
        const option = spec.option;
        option.geo.boundingCoords = placeOutside(option, bounds(geojson));
        const chart = echarts.init(el);
        chart.setOption(option);
        chart.on('click', p => { if (p.data && p.data.url) window.location.assign(p.data.url); });
        const resize = () => chart.resize();
        window.addEventListener('resize', resize);
        if (window.ResizeObserver) new ResizeObserver(resize).observe(el);
        window.mkRegionMap = chart;
        el.dataset.ready = '1';
      })
      .catch(() => fail(el));
  }

  start();
})();
