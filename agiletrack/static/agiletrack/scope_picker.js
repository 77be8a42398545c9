// "Choose from your account": lists the repositories or boards the credentials entered in the
// form can read, and writes the chosen ones into the setting they belong to. Markup it enhances:
//   <div class="scope-picker" data-kind="github" data-endpoint="/teams/x/integrations/scopes/"
//        data-target="FIELD NAME" data-multiple="true" data-integration="ID or empty"></div>
// inside a form whose inputs [data-kind="<kind>"][data-config-key] give the settings (the API
// address) and [data-credential] the credentials. Without this script the form works as typed.
(function () {
  "use strict";

  function csrfToken(form) {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) return decodeURIComponent(match[1]);
    var field = form.querySelector("[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  // An input belongs to this kind unless it (or a wrapper) says it belongs to others.
  function forKind(input, kind) {
    var owner = input.closest("[data-kind], [data-kinds]");
    if (!owner) return true;
    var kinds = (owner.getAttribute("data-kind") || owner.getAttribute("data-kinds") || "");
    return kinds.split(/\s+/).indexOf(kind) !== -1;
  }

  function settingsOf(form, kind) {
    var config = {};
    form.querySelectorAll('[data-kind="' + kind + '"][data-config-key]').forEach(function (input) {
      if (input.value.trim()) config[input.getAttribute("data-config-key")] = input.value.trim();
    });
    var credentials = {};
    form.querySelectorAll("[data-credential]").forEach(function (input) {
      if (!forKind(input, kind)) return;
      var key = input.getAttribute("data-credential") || input.name;
      if (key) credentials[key] = input.value;
    });
    return { config: config, credentials: credentials };
  }

  function element(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      node.setAttribute(name, attributes[name]);
    });
    if (text) node.textContent = text;
    return node;
  }

  function Picker(root, form, index) {
    this.root = root;
    this.form = form;
    this.kind = root.getAttribute("data-kind");
    this.endpoint = root.getAttribute("data-endpoint");
    this.multiple = root.getAttribute("data-multiple") === "true";
    this.integration = root.getAttribute("data-integration") || null;
    this.id = "scope-picker-" + index;
    this.items = [];
    this.cursor = null;
    this.searchedOnServer = false;
    this.serverQuery = "";
    this.request = 0;
    this.timer = null;
    this.build();
  }

  Picker.prototype.target = function () {
    var name = this.root.getAttribute("data-target");
    return this.form.querySelector('[name="' + name.replace(/"/g, '\\"') + '"]');
  };

  Picker.prototype.chosen = function () {
    var target = this.target();
    if (!target) return [];
    return target.value.split(/[\r\n]+/).map(function (v) { return v.trim(); })
      .filter(function (v) { return v; });
  };

  Picker.prototype.build = function () {
    var self = this;
    this.open = element("button", { type: "button", class: "scope-picker-open",
      "aria-expanded": "false", "aria-controls": this.id }, "Choose from your account");
    this.panel = element("div", { id: this.id, class: "scope-picker-panel", hidden: "" });
    this.search = element("input", { type: "search", class: "scope-picker-search",
      "aria-label": "Search", placeholder: "Search", autocomplete: "off" });
    this.status = element("p", { class: "scope-picker-status", role: "status" });
    this.error = element("p", { class: "error scope-picker-error", role: "alert", hidden: "" });
    this.list = element("ul", { class: "scope-picker-list" });
    this.more = element("button", { type: "button", class: "scope-picker-more", hidden: "" },
      "Load more");
    [this.search, this.status, this.error, this.list, this.more].forEach(function (node) {
      self.panel.appendChild(node);
    });
    this.root.appendChild(this.open);
    this.root.appendChild(this.panel);
    this.open.addEventListener("click", function () { self.toggle(); });
    this.more.addEventListener("click", function () { self.load(self.cursor); });
    this.search.addEventListener("input", function () { self.searchChanged(); });
    // Enter in the search box must not submit the integration form.
    this.search.addEventListener("keydown", function (event) {
      if (event.key === "Enter") event.preventDefault();
    });
  };

  Picker.prototype.toggle = function () {
    var opening = this.panel.hidden;
    this.panel.hidden = !opening;
    this.open.setAttribute("aria-expanded", String(opening));
    if (opening) {
      this.reset();
      this.load(null);
      this.search.focus();
    }
  };

  Picker.prototype.reset = function () {
    this.items = [];
    this.cursor = null;
    this.list.textContent = "";
    this.more.hidden = true;
  };

  Picker.prototype.searchChanged = function () {
    var self = this;
    if (!this.searchedOnServer) {
      this.render();  // filter what is loaded; "Load more" reads on
      return;
    }
    clearTimeout(this.timer);
    this.timer = setTimeout(function () {
      self.reset();
      self.load(null);
    }, 300);
  };

  Picker.prototype.load = function (cursor) {
    var self = this;
    var settings = settingsOf(this.form, this.kind);
    var query = cursor ? this.serverQuery : (this.searchedOnServer ? this.search.value : "");
    var body = {
      kind: this.kind,
      config: settings.config,
      credentials: settings.credentials,
      query: query,
      cursor: cursor,
      integration: this.integration ? Number(this.integration) : null
    };
    var request = ++this.request;
    this.error.hidden = true;
    this.more.disabled = true;
    this.status.textContent = "Loading…";
    fetch(this.endpoint, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-CSRFToken": csrfToken(this.form)
      },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) {
          throw new Error(data.error || "Listing failed (HTTP " + response.status + ").");
        }
        return data;
      });
    }).then(function (data) {
      if (request !== self.request) return;  // a newer search has started
      self.serverQuery = query;
      self.searchedOnServer = Boolean(data.searched_on_server);
      self.items = self.items.concat(data.items || []);
      self.cursor = data.next_cursor || null;
      self.render();
    }).catch(function (failure) {
      if (request !== self.request) return;
      self.status.textContent = "";
      self.error.textContent = failure.message;
      self.error.hidden = false;
    }).then(function () {
      self.more.disabled = false;
    });
  };

  Picker.prototype.render = function () {
    var self = this;
    var needle = this.searchedOnServer ? "" : this.search.value.trim().toLowerCase();
    var chosen = this.chosen();
    var shown = this.items.filter(function (item) {
      return !needle || item.label.toLowerCase().indexOf(needle) !== -1 ||
        item.value.toLowerCase().indexOf(needle) !== -1;
    });
    this.list.textContent = "";
    shown.forEach(function (item) {
      var row = element("li");
      var label = element("label");
      var box = element("input", {
        type: self.multiple ? "checkbox" : "radio",
        name: self.id + "-choice",
        value: item.value
      });
      box.checked = chosen.indexOf(item.value) !== -1;
      box.addEventListener("change", function () { self.choose(item.value, box.checked); });
      label.appendChild(box);
      label.appendChild(document.createTextNode(" " + item.label));
      if (item.detail) label.appendChild(element("small", {}, " " + item.detail));
      row.appendChild(label);
      self.list.appendChild(row);
    });
    var noun = this.items.length === 1 ? "item" : "items";
    var count = this.items.length + " " + noun + " loaded";
    if (shown.length !== this.items.length) count += ", " + shown.length + " shown";
    this.status.textContent = shown.length || this.items.length ? count + "." :
      "Nothing found" + (this.cursor ? " yet: load more to look further." : ".");
    this.more.hidden = !this.cursor;
  };

  Picker.prototype.choose = function (value, checked) {
    var target = this.target();
    if (!target) return;
    if (this.multiple) {
      var values = this.chosen().filter(function (v) { return v !== value; });
      if (checked) values.push(value);
      target.value = values.join("\n");
    } else if (checked) {
      target.value = value;
    }
    target.dispatchEvent(new Event("input", { bubbles: true }));
    target.dispatchEvent(new Event("change", { bubbles: true }));
  };

  function enhance() {
    document.querySelectorAll(".scope-picker").forEach(function (root, index) {
      var form = root.closest("form");
      if (!form || root.hasAttribute("data-enhanced")) return;
      root.setAttribute("data-enhanced", "");
      new Picker(root, form, index);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", enhance);
  } else {
    enhance();
  }
})();
