// Progressive enhancement only: every page works without this.
import { initAll } from "./govuk-frontend.min.js";

initAll();

// A person picker narrows as you type (GOV.UK's accessible-autocomplete over the select,
// which still works on its own without JavaScript). Loaded before this module (defer).
// The select holds only what the box shows: a name chosen from the list, or typed out in
// full; anything else (an empty box, a half-typed name) leaves it empty, so the server asks
// again rather than acting for someone nobody chose. Leaving the box never picks for you
// (confirmOnBlur), which had filled in the first name of the list on Tab.
if (window.accessibleAutocomplete) {
  for (const select of document.querySelectorAll("select[data-rpd-autocomplete]")) {
    const options = Array.from(select.options);
    const choose = (text) => {
      const match = options.find((option) => option.value !== "" && option.textContent === text);
      if (match) {
        select.value = match.value;
      } else if (options.some((option) => option.value === "")) {
        select.value = "";
      } else {
        select.selectedIndex = -1;
      }
    };
    const id = select.id;
    window.accessibleAutocomplete.enhanceSelectElement({
      selectElement: select,
      defaultValue: "",
      showAllValues: true,
      autoselect: true,
      confirmOnBlur: false,
      onConfirm: (text) => {
        if (text !== undefined) choose(text);
      },
      dropdownArrow: () => "",
    });
    // On the box's container: the box is drawn by the library, after this runs.
    select.parentNode.addEventListener("input", (event) => {
      if (event.target.id === id) choose(event.target.value);
    });
  }
}
