/* Small helpers for the platform's forms; every one is an enhancement — each form works without it.
 *
 * - [data-picker] (core.widgets.ChainLinkPicker): shows the filter box; typing hides the chain links
 *   (and whole chains) that do not match; a line under the list counts the ticked links.
 * - input[data-yuan] (core.forms.style_form, money fields named *_yuan): shows "= 80 万元" under the
 *   input as one types the amount in yuan.
 * - select[data-narrow-by="kind"] with options carrying data-parent (a contract's sub-kind): only the
 *   options of the chosen parent stay visible; a choice that no longer fits is cleared.
 * - [data-formset="prefix"] (a Django formset, e.g. a challenge's indicators): shows the "add" button,
 *   which copies the <template data-formset-empty> row (the formset's empty_form) with the next index
 *   and counts it in prefix-TOTAL_FORMS. Without it the page still has its blank rows.
 */
(function () {
  'use strict';

  const lang = document.documentElement.lang || 'zh-hans';
  const english = lang.startsWith('en');

  function pickers(root) {
    root.querySelectorAll('[data-picker]').forEach(picker => {
      if (picker.dataset.pickerReady) return;
      picker.dataset.pickerReady = '1';
      const filter = picker.querySelector('[data-picker-filter]');
      const summary = picker.querySelector('[data-picker-summary]');
      const options = [...picker.querySelectorAll('[data-picker-option]')];
      const groups = [...picker.querySelectorAll('[data-picker-group]')];
      const count = () => {
        const ticked = options.filter(o => o.querySelector('input').checked).map(o => o.textContent.trim());
        summary.hidden = false;
        summary.textContent = ticked.length
          ? (english ? `Chosen (${ticked.length}): ` : `已选 ${ticked.length} 项：`) + ticked.join(english ? ', ' : '、')
          : (english ? 'None chosen.' : '尚未选择。');
      };
      filter.hidden = false;
      filter.addEventListener('input', () => {
        const words = filter.value.trim().toLowerCase();
        groups.forEach(group => {
          const legend = (group.querySelector('legend') || {}).textContent || '';
          const groupMatches = words && legend.toLowerCase().includes(words);
          let shown = 0;
          group.querySelectorAll('[data-picker-option]').forEach(o => {
            const match = !words || groupMatches || o.textContent.toLowerCase().includes(words);
            o.hidden = !match;
            if (match) shown += 1;
          });
          group.hidden = shown === 0;
        });
      });
      picker.addEventListener('change', count);
      count();
    });
  }

  function tenThousands(value) {
    const n = Number(String(value).replace(/[,，\s]/g, ''));
    if (!value || !Number.isFinite(n)) return '';
    const wan = n / 10000;
    const text = wan.toLocaleString(english ? 'en' : 'zh-CN', { maximumFractionDigits: 4 });
    return english ? `= ${text} × 10,000 yuan` : `= ${text} 万元`;
  }

  function yuanHints(root) {
    root.querySelectorAll('input[data-yuan]').forEach(input => {
      if (input.dataset.yuanReady) return;
      input.dataset.yuanReady = '1';
      const hint = document.createElement('div');
      hint.className = 'form-text mk-yuan-hint';
      hint.setAttribute('aria-live', 'polite');
      hint.dataset.yuanHint = input.name;
      input.insertAdjacentElement('afterend', hint);
      const show = () => { hint.textContent = tenThousands(input.value); };
      input.addEventListener('input', show);
      show();
    });
  }

  function narrowing(root) {
    root.querySelectorAll('select[data-narrow-by]').forEach(child => {
      if (child.dataset.narrowReady) return;
      child.dataset.narrowReady = '1';
      const parent = child.form && child.form.elements[child.dataset.narrowBy];
      if (!parent) return;
      const apply = () => {
        const chosen = parent.value;
        let any = false;
        [...child.options].forEach(option => {
          if (!option.dataset.parent) return;  // the empty choice stays
          const fits = option.dataset.parent === chosen;
          option.hidden = !fits;
          option.disabled = !fits;
          if (fits) any = true;
          if (!fits && option.selected) child.value = '';
        });
        child.disabled = !any && !child.value;
      };
      parent.addEventListener('change', apply);
      apply();
    });
  }

  function formsets(root) {
    root.querySelectorAll('[data-formset]').forEach(set => {
      if (set.dataset.formsetReady) return;
      const prefix = set.dataset.formset;
      const total = set.querySelector(`input[name="${prefix}-TOTAL_FORMS"]`);
      const most = set.querySelector(`input[name="${prefix}-MAX_NUM_FORMS"]`);
      const empty = set.querySelector('template[data-formset-empty]');
      const rows = set.querySelector('[data-formset-rows]');
      const add = set.querySelector('[data-formset-add]');
      if (!total || !empty || !rows || !add) return;
      set.dataset.formsetReady = '1';
      add.hidden = false;
      add.addEventListener('click', () => {
        const index = Number(total.value);
        if (most && index >= Number(most.value)) return;
        rows.insertAdjacentHTML('beforeend', empty.innerHTML.replace(/__prefix__/g, String(index)));
        total.value = String(index + 1);
        const row = rows.lastElementChild;
        const number = row.querySelector('[data-formset-number]');
        if (number) number.textContent = String(index + 1);
        start(row);
        const first = row.querySelector('input, select');
        if (first) first.focus();
      });
    });
  }

  function start(root) {
    pickers(root);
    yuanHints(root);
    narrowing(root);
    formsets(root);
  }

  document.addEventListener('DOMContentLoaded', () => start(document));
  document.addEventListener('htmx:afterSwap', event => start(event.target));
})();
