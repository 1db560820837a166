// Progressive enhancement only: every page works without this.
import { initAll } from "./govuk-frontend.min.js";

initAll();

// A person picker narrows as you type (GOV.UK's accessible-autocomplete over the select,
// which still works on its own without JavaScript). Loaded before this module (defer).
if (window.accessibleAutocomplete) {
  for (const select of document.querySelectorAll("select[data-rpd-autocomplete]")) {
    window.accessibleAutocomplete.enhanceSelectElement({
      selectElement: select,
      defaultValue: "",
      showAllValues: true,
      autoselect: true,
      dropdownArrow: () => "",
    });
  }
}
