// The widget's one stylesheet, adopted by its shadow root (a constructed sheet: no <style>
// element, so no style-src exception on the host page). `all: initial` cuts inheritance from the
// host page; `--gh-color` is the widget's theme colour.
export const STYLES = `
:host { all: initial; position: fixed; bottom: 16px; right: 16px; z-index: 2147483000; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d1d1f; --gh-color: #1a73e8; }
:host([data-position=left]) { right: auto; left: 16px; }
* { box-sizing: border-box; font: inherit; }
[hidden] { display: none !important; }
button, .button { cursor: pointer; border-radius: 8px; border: 1px solid var(--gh-color); background: #fff; color: var(--gh-color); padding: 6px 12px; text-decoration: none; display: inline-block; }
button:disabled { opacity: .5; cursor: default; }
:focus-visible { outline: 3px solid #ffbf47; outline-offset: 2px; }
.launcher { background: var(--gh-color); color: #fff; border-radius: 24px; padding: 12px 20px; box-shadow: 0 4px 12px rgba(0,0,0,.2); float: right; }
:host([data-position=left]) .launcher { float: left; }
.window { position: relative; width: min(380px, calc(100vw - 32px)); height: min(600px, calc(100vh - 96px)); margin-bottom: 12px; background: #fff; border-radius: 12px; box-shadow: 0 8px 32px rgba(0,0,0,.25); display: flex; flex-direction: column; overflow: hidden; }
.header { background: var(--gh-color); color: #fff; display: flex; align-items: center; justify-content: space-between; padding: 8px 12px; }
.header .title { margin: 0; font-weight: 600; }
.icon { background: transparent; border: 0; color: inherit; font-size: 20px; line-height: 1; padding: 4px 8px; }
.main { flex: 1; min-height: 0; display: flex; flex-direction: column; }
.tabbed { flex: 1; min-height: 0; display: flex; flex-direction: column; }
.tabs { display: flex; border-bottom: 1px solid #ddd; }
.tabs [role=tab] { flex: 1; border: 0; border-radius: 0; color: #444; border-bottom: 3px solid transparent; }
.tabs [role=tab][aria-selected=true] { color: var(--gh-color); border-bottom-color: var(--gh-color); font-weight: 600; }
.tabpanel { flex: 1; min-height: 0; overflow: auto; display: flex; flex-direction: column; }
.tabpanel > a, .tabpanel > p { margin: 16px; }
.cards { list-style: none; margin: 0; padding: 12px; display: grid; gap: 8px; }
.home-card { border: 1px solid #ddd; border-radius: 8px; padding: 10px 12px; }
.home-card .card-title { display: block; margin: 0; font-weight: 600; color: var(--gh-color); }
.card-body { margin: 4px 0 0; color: #555; }
.chat { flex: 1; min-height: 0; display: flex; flex-direction: column; }
.greeting, .notice { margin: 12px; padding: 8px 12px; background: #f2f4f7; border-radius: 8px; }
.log { flex: 1; min-height: 0; overflow-y: auto; padding: 8px 12px; display: flex; flex-direction: column; gap: 8px; }
.message { max-width: 85%; align-self: flex-start; }
.message.mine { align-self: flex-end; }
.message > .text, .message > .rich > .text, .dropdown > .text { margin: 0; padding: 8px 12px; border-radius: 12px; background: #f2f4f7; white-space: pre-wrap; overflow-wrap: anywhere; }
.message.mine > .text { background: var(--gh-color); color: #fff; }
.author { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.buttons { display: flex; flex-direction: column; gap: 4px; margin-top: 6px; }
.media { margin: 0; }
.media img { max-width: 100%; height: auto; border-radius: 8px; display: block; }
figcaption { color: #555; font-size: 12px; }
.card { border: 1px solid #ddd; border-radius: 10px; padding: 8px; background: #fff; min-width: 200px; }
.card-title { font-weight: 600; margin: 4px 0 0; }
.card-subtitle { color: #555; margin: 2px 0 0; }
.carousel { max-width: 100%; }
.track { display: flex; gap: 8px; overflow-x: auto; scroll-snap-type: x mandatory; padding: 2px; }
.track > .card { flex: 0 0 75%; scroll-snap-align: start; }
.carousel-nav { display: flex; justify-content: flex-end; gap: 4px; margin-top: 4px; }
.nav { padding: 2px 10px; }
.dropdown { display: flex; flex-direction: column; gap: 6px; }
select { padding: 6px; border-radius: 6px; border: 1px solid #bbb; }
.replies { padding: 0 12px; }
.quick-replies { display: flex; flex-wrap: wrap; gap: 6px; padding: 6px 0; }
.chip { border-radius: 16px; }
.composer { display: flex; gap: 6px; padding: 8px 12px; border-top: 1px solid #ddd; }
.composer textarea { flex: 1; resize: none; border: 1px solid #bbb; border-radius: 8px; padding: 6px 8px; }
.send { background: var(--gh-color); color: #fff; }
.rating-box { padding: 4px 12px 8px; }
.rating-box summary { cursor: pointer; color: var(--gh-color); }
.rating { display: flex; flex-direction: column; gap: 4px; padding-top: 4px; }
.rating fieldset { border: 0; margin: 0; padding: 0; }
.rating legend { font-weight: 600; }
.scores { display: flex; gap: 8px; }
.rating textarea { border: 1px solid #bbb; border-radius: 8px; padding: 4px 8px; resize: vertical; }
.status { margin: 0; padding: 0 12px; color: #b00020; font-size: 12px; }
.status:empty { display: none; }
.loading { margin: 16px; color: #555; }
.panel { position: absolute; left: 0; right: 0; bottom: 0; background: #fff; display: flex; flex-direction: column; box-shadow: 0 -4px 16px rgba(0,0,0,.2); border-radius: 12px 12px 0 0; }
.panel[data-height=compact] { height: 50%; }
.panel[data-height=tall] { height: 75%; }
.panel[data-height=full] { height: 100%; border-radius: 0; }
.panel-header { display: flex; align-items: center; justify-content: space-between; padding: 6px 12px; border-bottom: 1px solid #ddd; }
.panel-title { margin: 0; font-weight: 600; }
.panel-body { flex: 1; min-height: 0; }
.panel-body iframe { border: 0; width: 100%; height: 100%; display: block; }
`;
