// The console's shell: configuration, sign-in, the navigation and a small hash router
// (#/queue, #/returns/R-1): hash routes need no server rewrites, locally or behind CloudFront.
import * as api from "./api.js";
import * as auth from "./auth.js";
import { announce, focusHeading, h, markNavigated, notice } from "./dom.js";
import { analyticsPage } from "./pages/analytics.js";
import { cancellationPage, cancellationsPage, newCancellationPage } from "./pages/cancellations.js";
import { queuePage } from "./pages/queue.js";
import { returnPage } from "./pages/return.js";
import { settlementsPage } from "./pages/settlements.js";

const SECTIONS = [
  { href: "#/queue", label: "Returns queue", match: /^\/(queue|returns)/ },
  { href: "#/cancellations", label: "Cancellations", match: /^\/cancellations/ },
  { href: "#/analytics", label: "Analytics", match: /^\/analytics/ },
  { href: "#/settlements", label: "Settlements", match: /^\/settlements/ },
];

const ROUTES = [
  [/^\/queue$/, (view, _match, params) => queuePage(view, params)],
  [/^\/returns\/([^/]+)$/, (view, match) => returnPage(view, decodeURIComponent(match[1]))],
  [/^\/cancellations$/, (view, _match, params) => cancellationsPage(view, params)],
  [/^\/cancellations\/new$/, (view) => newCancellationPage(view)],
  [/^\/cancellations\/([^/]+)$/, (view, match) => cancellationPage(view, decodeURIComponent(match[1]))],
  [/^\/analytics$/, (view, _match, params) => analyticsPage(view, params)],
  [/^\/settlements$/, (view, _match, params) => settlementsPage(view, params)],
];

let config = null;

async function loadConfig() {
  const response = await fetch("config.json", { cache: "no-store" });
  if (!response.ok) throw new Error(`config.json answered ${response.status}`);
  return response.json();
}

function parseHash() {
  const raw = window.location.hash.replace(/^#/, "") || "/queue";
  const [path, query] = raw.split("?");
  return { path, params: new URLSearchParams(query || "") };
}

function drawNav(path) {
  const nav = document.getElementById("nav");
  const signedIn = Boolean(auth.session());
  nav.replaceChildren(
    signedIn
      ? h(
          "ul",
          null,
          SECTIONS.map((section) =>
            h("li", null, h("a", { href: section.href, "aria-current": section.match.test(path) ? "page" : null }, section.label)),
          ),
        )
      : "",
  );
  const who = document.getElementById("who");
  const agent = auth.me();
  who.replaceChildren(
    agent
      ? h(
          "span",
          null,
          h("span", null, "Signed in as ", h("strong", null, agent.actor)),
          " ",
          h("button", { type: "button", class: "secondary", onclick: signOut }, "Sign out"),
        )
      : "",
  );
}

function signOut() {
  if (!auth.signOut(config)) {
    markNavigated();
    announce("Signed out");
    render();
  }
}

/** A fresh container for the page being shown; a page still loading for an older route draws
 * into a container that is no longer in the document, so it can never overwrite the new one. */
function newView() {
  const view = h("div", { class: "view" });
  document.getElementById("main").replaceChildren(view);
  return view;
}

function signInPage(view, problem) {
  const kind = (config.auth || {}).kind;
  const heading = h("h1", null, "Sign in to the CS console");
  const box = h("div", { class: "card signin" }, heading);
  if (problem) box.append(notice("error", h("p", null, `Signing in failed: ${problem}`)));
  if (kind === "local") {
    box.append(
      h("p", null, "Local stack: pick a development agent (group cs). Tokens come from the local server; there is no password."),
      h(
        "ul",
        null,
        (config.auth.agents || []).map((agent) =>
          h(
            "li",
            null,
            h(
              "button",
              {
                type: "button",
                onclick: async () => {
                  try {
                    await auth.signInLocal(config, agent.sub);
                    markNavigated();
                    announce(`Signed in as ${agent.sub}`);
                    render();
                  } catch (error) {
                    signInPage(newView(), error.message);
                  }
                },
              },
              `Sign in as ${agent.label || agent.sub}`,
            ),
          ),
        ),
      ),
    );
  } else if (kind === "oidc") {
    box.append(
      h("p", null, "Agents sign in with the company's identity provider; the console needs the group cs."),
      h(
        "button",
        {
          type: "button",
          onclick: () => auth.beginOidc(config).catch((error) => signInPage(newView(), error.message)),
        },
        "Sign in",
      ),
    );
  } else {
    box.append(notice("error", h("p", null, "config.json names no way to sign in (auth.kind).")));
  }
  view.append(box);
  focusHeading(heading);
}

async function render() {
  const { path, params } = parseHash();
  drawNav(path);
  const view = newView();
  if (!auth.session()) {
    signInPage(view);
    return;
  }
  for (const [pattern, page] of ROUTES) {
    const match = pattern.exec(path);
    if (match) {
      await page(view, match, params);
      return;
    }
  }
  const heading = h("h1", null, "Page not found");
  view.append(heading, h("p", null, h("a", { href: "#/queue" }, "Go to the returns queue")));
  focusHeading(heading);
}

async function boot() {
  try {
    config = await loadConfig();
  } catch (error) {
    newView().append(notice("error", h("p", null, `The console could not load its configuration: ${error.message}`)));
    return;
  }
  api.configure(config);
  window.addEventListener("hashchange", () => {
    markNavigated();
    render();
  });
  if (config.auth && config.auth.kind === "oidc") {
    try {
      await auth.completeOidc(config);
    } catch (error) {
      drawNav("");
      signInPage(newView(), error.message);
      return;
    }
  }
  render();
}

boot();
