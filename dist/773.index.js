export const id = 773;
export const ids = [773];
export const modules = {

/***/ 75773:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   NodeFS: () => (/* binding */ m)
/* harmony export */ });
/* harmony import */ var _chunk_CE4NCHVO_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(53762);
/* harmony import */ var _chunk_ZKGLEABV_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(91698);
/* harmony import */ var _chunk_QY3QWFKW_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(50981);
/* harmony import */ var fs__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(44421);
/* harmony import */ var path__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(12521);
(0,_chunk_QY3QWFKW_js__WEBPACK_IMPORTED_MODULE_2__.j)();var m=class extends _chunk_CE4NCHVO_js__WEBPACK_IMPORTED_MODULE_0__.i{constructor(t){super(t),this.rootDir=path__WEBPACK_IMPORTED_MODULE_4__.resolve(t),fs__WEBPACK_IMPORTED_MODULE_3__.existsSync(path__WEBPACK_IMPORTED_MODULE_4__.join(this.rootDir))||fs__WEBPACK_IMPORTED_MODULE_3__.mkdirSync(this.rootDir)}async init(t,e){return this.pg=t,{emscriptenOpts:{...e,preRun:[...e.preRun||[],r=>{let c=r.FS.filesystems.NODEFS;r.FS.mkdirTree(_chunk_CE4NCHVO_js__WEBPACK_IMPORTED_MODULE_0__.d),r.FS.mount(c,{root:this.rootDir},_chunk_CE4NCHVO_js__WEBPACK_IMPORTED_MODULE_0__.d)}]}}}async closeFs(){this.pg.Module.FS.quit()}};
//# sourceMappingURL=nodefs.js.map

/***/ })

};
