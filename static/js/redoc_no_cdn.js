// ReDoc's side menu shows its maker's logo from their CDN, with no option to turn it off. This page
// loads nothing from another site (and its Content-Security-Policy would refuse the image), so that
// address is emptied as ReDoc sets an image's src: the image fails at once, and ReDoc's own error
// handler takes it away. Loaded before redoc.standalone.js.
(function () {
  "use strict";

  var CDN = "https://cdn.redoc.ly/";
  var src = Object.getOwnPropertyDescriptor(HTMLImageElement.prototype, "src");
  Object.defineProperty(HTMLImageElement.prototype, "src", {
    configurable: true,
    enumerable: src.enumerable,
    get: src.get,
    set: function (value) {
      src.set.call(this, String(value).indexOf(CDN) === 0 ? "" : value);
    },
  });
})();
