(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("wt-data").textContent);
  var partners = {};
  function add(from, to) { (partners[from] = partners[from] || []).push(to); }
  data.links.forEach(function (link) {
    link.a.forEach(function (i) {
      link.b.forEach(function (j) { add("a-" + i, "b-" + j); add("b-" + j, "a-" + i); });
    });
  });
  var pinned = null;
  function mark(id, on) {
    var ids = [id].concat(partners[id] || []);
    ids.forEach(function (x) {
      var el = document.getElementById(x);
      if (el) { el.classList.toggle("hl", on); }
    });
  }
  document.querySelectorAll(".unit").forEach(function (el) {
    el.addEventListener("mouseenter", function () { if (!pinned) { mark(el.id, true); } });
    el.addEventListener("mouseleave", function () { if (!pinned) { mark(el.id, false); } });
    el.addEventListener("click", function () {
      if (pinned) { mark(pinned, false); document.getElementById(pinned).classList.remove("pinned"); }
      if (pinned === el.id) { pinned = null; return; }
      pinned = el.id;
      el.classList.add("pinned");
      mark(el.id, true);
      (partners[el.id] || []).forEach(function (x) {
        var other = document.getElementById(x);
        if (other) { other.scrollIntoView({ block: "nearest", behavior: "smooth" }); }
      });
    });
  });
})();
