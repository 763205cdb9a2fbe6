/* corridors: the map page's behaviour. Runs after Leaflet is loaded and before folium's map script. */
(function () {
  "use strict";
  // Data panes above the overlay pane (400) that holds the basemap: switching base layers never covers them.
  var PANES = [["corridors-routes", 420], ["corridors-hit", 430], ["corridors-crossings", 440]];
  var NARROW_PX = 600; // below this map width: title and legend collapse, touch-sized controls
  var LEGEND_MAX_SHARE = 0.45;  // of the map's height
  var GAP_PX = 10;
  var CONTROL_NAMES = {
    "leaflet-control-layers": "Layers",
    "leaflet-control-zoom": "Zoom",
    "leaflet-control-measure": "Measure distances",
    "leaflet-control-scale": "Scale bar",
    "leaflet-control-minimap": "Overview map",
    "leaflet-control-attribution": "Attribution"
  };

  if (window.L && L.Map) {
    L.Map.addInitHook(function () {
      var map = this;
      PANES.forEach(function (pane) {
        map.createPane(pane[0]).style.zIndex = String(pane[1]);
      });
    });
  }

  // The overview map's "shadow" rectangle (where the main map was while the overview is dragged) can stay
  // drawn after the first view when the two maps' moves interleave; the aiming rectangle alone says enough.
  if (window.L && L.Control && L.Control.MiniMap) {
    L.Control.MiniMap.addInitHook(function () {
      this._onMiniMapMoving = function () {};
    });
  }

  function offline() {
    document.querySelectorAll(".folium-map").forEach(function (el) {
      var message = document.createElement("p");
      message.className = "corridors-offline";
      message.setAttribute("role", "alert");
      message.textContent = "The map needs Leaflet and its plugins from the internet, which could not be loaded. " +
        "Build the map with --self-contained to view it offline.";
      el.appendChild(message);
    });
  }

  function overlaps(a, b) {
    return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  }

  function shown(el) {
    var box = el.getBoundingClientRect();
    return box.width > 0 && box.height > 0 && getComputedStyle(el).visibility !== "hidden";
  }

  function asControl(map, el, position, first) {
    var Control = L.Control.extend({ onAdd: function () { return el; } });
    new Control({ position: position }).addTo(map);
    L.DomEvent.disableClickPropagation(el);
    L.DomEvent.disableScrollPropagation(el);
    if (first) {
      el.parentNode.insertBefore(el, el.parentNode.firstChild);
    }
  }

  function Page(map) {
    this.map = map;
    this.container = map.getContainer();
    this.title = document.querySelector(".corridors-title");
    this.legend = document.querySelector(".corridors-legend");
  }

  Page.prototype.corner = function (name) {
    return this.container.querySelector(":scope > .leaflet-control-container > .leaflet-" + name.replace(" ", ".leaflet-"));
  };

  // The map's own controls (not those of the overview map inside it) that are on screen.
  Page.prototype.controls = function () {
    var container = this.container;
    return Array.prototype.filter.call(container.querySelectorAll(".leaflet-control"), function (el) {
      return el.parentNode.parentNode.parentNode === container && shown(el);
    });
  };

  Page.prototype.setup = function () {
    var page = this, map = this.map;
    this.container.setAttribute("role", "region");
    this.container.setAttribute("aria-label", "Map");
    if (map.zoomControl) {
      map.zoomControl.setPosition("topright");
    }
    if (this.title) {
      asControl(map, this.title, "topleft", true);
    }
    if (this.legend) {
      asControl(map, this.legend, "bottomleft", true);
    }
    Object.keys(CONTROL_NAMES).forEach(function (name) {
      page.container.querySelectorAll("." + name).forEach(function (el) {
        el.setAttribute("aria-label", CONTROL_NAMES[name]);
      });
    });
    this.details().forEach(function (details) {
      details.addEventListener("toggle", function () { page.toggled(details); });
    });
    map.on("layeradd", function (e) { page.quiet(e.layer); });
    map.eachLayer(function (layer) { page.quiet(layer); });
    map.on("baselayerchange", function (e) {
      if (e.layer.bringToBack) {
        e.layer.bringToBack(); // a vector basemap goes back under the overlays it was drawn over
      }
    });
    this.crossings();
    this.choices();
    this.syncChoices();
    this.fit(true);
    map.on("resize", function () { page.fit(false); });
    map.on("moveend zoomend overlayadd overlayremove", function () { page.declutter(); });
    map.on("overlayadd overlayremove", function () { page.syncCrossings(); page.syncChoices(); });
    // Labels that open later (a layer group shown, a slow first draw) are decluttered in the next frame.
    var pending = false;
    new MutationObserver(function () {
      if (!pending) {
        pending = true;
        requestAnimationFrame(function () { pending = false; page.declutter(); });
      }
    }).observe(map.getPane("tooltipPane"), { childList: true });
    // Once the page and its fonts are in, the boxes are final: lay out and declutter again, then say so.
    var loaded = new Promise(function (resolve) {
      if (document.readyState === "complete") { resolve(); } else { window.addEventListener("load", resolve); }
    });
    Promise.all([loaded, document.fonts ? document.fonts.ready : null]).then(function () {
      requestAnimationFrame(function () {
        page.fit(false);
        document.documentElement.setAttribute("data-corridors-ready", "1");
      });
    });
  };

  // Exclusive choices (folium's grouped layer control): on narrow maps one button names the current choice and
  // opens the list; picking one closes it again.
  Page.prototype.choices = function () {
    var page = this;
    this.container.querySelectorAll(".leaflet-control-layers-group").forEach(function (group) {
      var control = group.closest(".leaflet-control-layers"), name = group.querySelector(".leaflet-control-layers-group-name");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "corridors-choice-button";
      button.setAttribute("aria-expanded", "false");
      control.insertBefore(button, control.firstChild);
      function update() {
        var checked = group.querySelector("input:checked");
        button.textContent = (name ? name.textContent + ": " : "") + (checked ? checked.parentNode.textContent.trim() : "");
      }
      function open(yes) {
        control.classList.toggle("corridors-choices-open", yes);
        button.setAttribute("aria-expanded", String(yes));
        page.layout();
      }
      button.addEventListener("click", function () { open(!control.classList.contains("corridors-choices-open")); });
      group.addEventListener("change", function () { update(); open(false); });
      update();
    });
  };

  // Exclusive ways: the panel's section (caption, legend entries) and the legend's entries of the way on the map
  // are shown, the others hidden. Each names its layer group's variable in data-layer.
  Page.prototype.syncChoices = function () {
    var map = this.map, changed = false;
    document.querySelectorAll("section.corridors-choice[data-layer], .corridors-legend-choice[data-layer]")
      .forEach(function (el) {
        var group = window[el.getAttribute("data-layer")], hidden = !(group && map.hasLayer(group));
        if (el.hidden !== hidden) { el.hidden = hidden; changed = true; }
      });
    if (changed && this.title) {
      this.layout();
    }
  };

  Page.prototype.details = function () {
    return [this.title, this.legend].filter(Boolean).map(function (el) { return el.querySelector("details"); })
      .filter(Boolean);
  };

  // Vector shapes are not keyboard stops: their content is in the panel (table, crossing list).
  Page.prototype.quiet = function (layer) {
    if (layer._path) {
      layer._path.setAttribute("tabindex", "-1");
    }
  };

  Page.prototype.toggled = function (details) {
    if (this.fitting) {
      return;
    }
    if (details.open && this.narrow) { // one panel at a time on a small screen
      this.details().forEach(function (other) {
        if (other !== details) { other.open = false; }
      });
    }
    this.layout();
    this.declutter();
  };

  // Title and legend open where there is room, collapsed on narrow maps; then lay out and declutter.
  Page.prototype.fit = function (first) {
    var width = this.container.clientWidth;
    var narrow = width < NARROW_PX;
    this.fitting = true;
    if (first || narrow !== this.narrow) {
      this.narrow = narrow;
      this.container.classList.toggle("corridors-narrow", narrow);
      this.details().forEach(function (details) { details.open = !narrow; });
    }
    this.layout();
    // A legend taller than LEGEND_MAX_SHARE of the map would hide the map's subject: it starts collapsed.
    var legend = this.legend && this.legend.querySelector("details");
    if (first && legend && legend.open && this.legend.getBoundingClientRect().height > LEGEND_MAX_SHARE * this.container.clientHeight) {
      legend.open = false;
      this.layout();
    }
    // Still colliding (a short window): collapse the legend, then the title.
    var page = this;
    this.details().slice().reverse().forEach(function (details) {
      if (page.collisions().length && details.open) {
        details.open = false;
        page.layout();
      }
    });
    this.fitting = false;
    this.declutter();
  };

  // Keep the four corners of controls apart: the title leaves room for the controls on the right, the
  // right-hand controls move below the title when there is no room beside it, the bottom-left corner moves
  // above the bottom-right one when they meet.
  Page.prototype.layout = function () {
    var width = this.container.clientWidth;
    var topLeft = this.corner("top left"), topRight = this.corner("top right");
    var bottomLeft = this.corner("bottom left"), bottomRight = this.corner("bottom right");
    topRight.style.top = "";
    bottomLeft.style.bottom = "";
    var minimap = this.container.querySelector(".leaflet-control-minimap");
    if (minimap) {
      minimap.style.display = "";
    }
    if (this.title) {
      var room = width - topRight.offsetWidth - 3 * GAP_PX;
      var full = room < 220 || this.narrow;
      this.title.style.maxWidth = (full ? width - 2 * GAP_PX : Math.min(room, 520)) + "px";
      if (overlaps(topLeft.getBoundingClientRect(), topRight.getBoundingClientRect())) {
        topRight.style.top = (topLeft.offsetHeight + GAP_PX / 2) + "px";
      }
    }
    var left = bottomLeft.getBoundingClientRect(), floor = this.container.getBoundingClientRect().bottom, lift = 0;
    Array.prototype.forEach.call(bottomRight.children, function (control) {
      var box = control.getBoundingClientRect();
      if (box.width && box.left < left.right && left.left < box.right) {
        lift = Math.max(lift, floor - box.top);
      }
    });
    if (lift) {
      bottomLeft.style.bottom = lift + "px";
    }
    if (minimap && overlaps(topRight.getBoundingClientRect(), bottomRight.getBoundingClientRect())) {
      minimap.style.display = "none"; // the overview map gives way to the controls
    }
    if (this.legend) { // the legend never runs under the title
      var body = this.legend.querySelector(".corridors-body");
      var top = this.title ? this.title.getBoundingClientRect().bottom : this.container.getBoundingClientRect().top;
      var bottom = this.legend.getBoundingClientRect().bottom;
      var spare = bottom - top - GAP_PX - (this.legend.offsetHeight - body.offsetHeight) - 24;
      body.style.maxHeight = Math.max(spare, 60) + "px";
    }
  };

  // Pairs of controls (in different corners) whose boxes meet.
  Page.prototype.collisions = function () {
    var controls = this.controls();
    var pairs = [];
    controls.forEach(function (a, i) {
      controls.slice(i + 1).forEach(function (b) {
        if (!a.contains(b) && !b.contains(a) && overlaps(a.getBoundingClientRect(), b.getBoundingClientRect())) {
          pairs.push([a, b]);
        }
      });
    });
    return pairs;
  };

  // Labels (class corridors-label, priority from a data-priority attribute or a corridors-priority-N class, higher
  // wins, default 1), in order
  // of priority: a label that meets a label already placed, or a control, moves to the other side of its point,
  // and if it still meets one it is hidden until the view changes.
  Page.prototype.declutter = function () {
    var frame = this.container.getBoundingClientRect();
    var kept = this.controls().map(function (el) { return el.getBoundingClientRect(); });
    var labels = Array.prototype.slice.call(this.container.querySelectorAll(".corridors-label"));
    labels.forEach(function (el) {
      el.classList.remove("corridors-label-hidden");
      el.style.marginLeft = "";
    });
    var items = labels.map(function (el, i) {
      var source = el.hasAttribute("data-priority") ? el : el.querySelector("[data-priority]");
      var named = /(?:^|\s)corridors-priority-(\d+)(?:\s|$)/.exec(el.className);
      var priority = source ? Number(source.getAttribute("data-priority")) : named ? Number(named[1]) : 1;
      return { el: el, i: i, priority: priority, box: el.getBoundingClientRect() };
    }).filter(function (item) { return item.box.width > 0 && overlaps(item.box, frame); });
    // A label cut by the map's edge reads wrong: hidden until the map moves it fully into view.
    items = items.filter(function (item) {
      var inside = item.box.left >= frame.left && item.box.right <= frame.right &&
        item.box.top >= frame.top && item.box.bottom <= frame.bottom;
      if (!inside) { item.el.classList.add("corridors-label-hidden"); }
      return inside;
    });
    items.sort(function (a, b) { return b.priority - a.priority || a.i - b.i; });
    function clear(box) {
      return !kept.some(function (other) { return overlaps(other, box); });
    }
    items.forEach(function (item) {
      var box = item.box;
      if (!clear(box) && item.el.classList.contains("leaflet-tooltip-right")) {
        item.el.style.marginLeft = -(box.width + 6) + "px"; // Leaflet's right-hand tooltips sit 6 px off
        box = item.el.getBoundingClientRect();
      }
      if (clear(box)) {
        kept.push(box);
      } else {
        item.el.style.marginLeft = "";
        item.el.classList.add("corridors-label-hidden");
      }
    });
  };

  // The crossing lists written per layer group move into one panel section; each entry is a button that
  // shows its crossing on the map. Entries follow the groups on the map.
  Page.prototype.crossings = function () {
    var page = this;
    var lists = Array.prototype.slice.call(document.querySelectorAll(".corridors-crossing-items"));
    var panel = document.querySelector(".corridors-panel");
    if (!lists.length || !panel) {
      return;
    }
    var section = document.createElement("section");
    section.className = "corridors-crossings";
    section.setAttribute("aria-labelledby", "corridors-crossings-heading");
    var heading = document.createElement("h3");
    heading.id = "corridors-crossings-heading";
    heading.textContent = "Border crossings on the map";
    section.appendChild(heading);
    lists.forEach(function (list) { section.appendChild(list); });
    var tables = panel.querySelectorAll("table"), last = tables[tables.length - 1];
    panel.insertBefore(section, last ? last.nextSibling : null); // after the tables, before the sources
    this.crossingSection = section;
    section.addEventListener("click", function (e) {
      var button = e.target.closest("button[data-crossing]");
      if (button) { page.showCrossing(button); }
    });
    this.syncCrossings();
  };

  Page.prototype.syncCrossings = function () {
    if (!this.crossingSection) {
      return;
    }
    var map = this.map, seen = {}, any = false;
    this.crossingSection.querySelectorAll(".corridors-crossing-items").forEach(function (list) {
      var group = window[list.getAttribute("data-group")];
      list.hidden = !(group && map.hasLayer(group));
      list.querySelectorAll("li").forEach(function (item) {
        var key = item.getAttribute("data-key");
        item.hidden = list.hidden || Boolean(seen[key]);
        if (!item.hidden) { seen[key] = true; any = true; }
      });
    });
    this.crossingSection.hidden = !any;
  };

  Page.prototype.showCrossing = function (button) {
    var map = this.map, list = button.closest(".corridors-crossing-items");
    var group = window[list.getAttribute("data-group")], id = button.getAttribute("data-crossing"), marker = null;
    if (!group) {
      return;
    }
    group.eachLayer(function (layer) {
      if (layer.options.crossingId === id) { marker = layer; }
    });
    if (!marker) {
      return;
    }
    if (this.narrow) {
      this.container.scrollIntoView({ block: "start" });
    }
    map.setView(marker.getLatLng(), Math.max(map.getZoom(), 9), { animate: false });
    marker.openPopup();
    var popup = marker.getPopup(), close = popup && popup.getElement() &&
      popup.getElement().querySelector(".leaflet-popup-close-button");
    if (close) {
      close.focus({ preventScroll: true });
      marker.once("popupclose", function () { button.focus({ preventScroll: true }); });
    }
  };

  document.addEventListener("DOMContentLoaded", function () {
    var el = document.querySelector(".folium-map");
    var map = window.L && el && window[el.id];
    if (!map || !(map instanceof L.Map)) {
      offline();
      return;
    }
    new Page(map).setup();
  });
})();
