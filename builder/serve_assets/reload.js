// litdigest serve: reload the page after each good rebuild; show build errors in a banner.
// Sent only by `litdigest serve`, never written into a built site. The server tags each page
// with the build it came from (data-build) and answers /__litdigest/status?since=BUILD when
// the build changes or after a bounded wait, so one request is in flight at a time.
(() => {
  "use strict";
  const STATUS_URL = "/__litdigest/status";
  const BANNER_ID = "litdigest-build-errors";
  const script = document.currentScript;
  const pageBuild = script ? script.dataset.build : undefined;

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  function element(tag, text, style) {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    Object.assign(node.style, style || {});
    return node;
  }

  // Built with textContent only: error text is never parsed as markup. Styles are set
  // through the CSSOM, which the page's style-src 'self' policy allows.
  function showProblems(status) {
    let banner = document.getElementById(BANNER_ID);
    if (!banner) {
      banner = element("section", undefined, {
        position: "fixed", top: "0", left: "0", right: "0", zIndex: "2147483647",
        maxHeight: "60vh", overflow: "auto", margin: "0", padding: "0.75rem 1rem",
        background: "#7f1d1d", color: "#fff", font: "14px/1.4 system-ui, sans-serif",
        boxShadow: "0 2px 8px rgba(0, 0, 0, 0.4)",
      });
      banner.id = BANNER_ID;
      banner.setAttribute("role", "alert");
      banner.setAttribute("aria-label", "Build errors");
      document.body.prepend(banner);
    }
    const problems = Array.isArray(status.problems) ? status.problems : [];
    const count = problems.filter((p) => p.severity === "error").length || problems.length;
    const heading = element("p", `litdigest: the build failed with ${count} error(s). ` +
      "Showing the last good site; this page reloads when the build succeeds.",
      { margin: "0 0 0.5rem", fontWeight: "bold" });
    const list = element("ul", undefined, { margin: "0", paddingLeft: "1.25rem" });
    for (const problem of problems) {
      list.append(element("li", String(problem.text), {
        fontFamily: "ui-monospace, monospace", whiteSpace: "pre-wrap",
      }));
    }
    banner.replaceChildren(heading, list);
  }

  function hideProblems() {
    const banner = document.getElementById(BANNER_ID);
    if (banner) banner.remove();
  }

  async function watch() {
    let since = null;
    let retry = 500;
    for (;;) {
      let status;
      try {
        const query = since === null ? "" : `?since=${encodeURIComponent(since)}`;
        const response = await fetch(STATUS_URL + query, { cache: "no-store" });
        if (!response.ok) throw new Error(`status ${response.status}`);
        status = await response.json();
        retry = 500;
      } catch (error) {
        // The server is restarting or gone: try again, less and less often.
        await sleep(retry);
        retry = Math.min(retry * 2, 5000);
        since = null;
        continue;
      }
      if (status.ok && status.build !== pageBuild) {
        location.reload();
        return;
      }
      if (status.ok) hideProblems();
      else showProblems(status);
      since = status.build;
    }
  }

  watch();
})();
