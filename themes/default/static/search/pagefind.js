// Pagefind's module interface over the site's search shards, for Pagefind's UI (which loads
// "pagefind.js" from its bundlePath, here). Each shard is a Pagefind index of its own, loaded
// with its own copy of Pagefind; a search asks every shard and ranks their results together,
// as Pagefind's own mergeIndex does, but closer to what one index of the whole site would do:
//
// - An index that lacks a word of the search looks for a shorter word it has instead
//   ("antidote" finds "an"), which one index would do only if no page had the word. So when
//   some shard has a word of the search, the shards without it are left out.
// - A word's weight (its IDF) depends on how many pages of the index have it: a common word
//   found in few of a small shard's pages would make that shard's results outrank all others.
//   So each shard's scores are scaled by the weight of the search's words in the whole site
//   over their weight in the shard, counted with Pagefind's exact ("quoted") search, which
//   never swaps in a shorter word.
//
// The UI passes its options on: `shards` (the URL of the folder with shards.json) is ours,
// the others are Pagefind's.

let shards = []; // {pagefind: a shard's Pagefind module, pages: how many pages it has}
let searches = 0; // debounced searches begun: only the latest one runs

export async function options(settings) {
  const { shards: folder, ...pagefindOptions } = settings;
  if (folder !== undefined) {
    shards = await Promise.all((await listed(folder + "shards.json")).shards.map(loadShard));
  }
  await Promise.all(shards.map(({ pagefind }) => pagefind.options(pagefindOptions)));

  async function loadShard(name) {
    const [pagefind, entry] = await Promise.all([
      import(folder + name + "pagefind.js"),
      listed(folder + name + "pagefind-entry.json"),
    ]);
    const languages = Object.values(entry.languages);
    return { pagefind, pages: languages.reduce((sum, language) => sum + language.page_count, 0) };
  }
}

// "no-cache": asked again on every visit, so a new shard (or a new day in one) is never missed.
async function listed(url) {
  const response = await fetch(url, { cache: "no-cache" });
  if (!response.ok) {
    throw new Error(`${url}: HTTP ${response.status}`);
  }
  return response.json();
}

export async function init() {
  await Promise.all(shards.map(({ pagefind }) => pagefind.init()));
}

export async function mergeIndex() {
  throw new Error("search/pagefind.js searches the shards its `shards` option lists");
}

export async function filters() {
  return mergeFilters(await Promise.all(shards.map(({ pagefind }) => pagefind.filters())));
}

export async function preload(term, settings = {}) {
  await Promise.all(shards.map(({ pagefind }) => pagefind.preload(term, settings)));
}

export async function search(term, settings = {}) {
  const found = await Promise.all(shards.map(({ pagefind }) => pagefind.search(term, settings)));
  const counts = await pagesWithEachWord(term);
  const kept = [];
  found.forEach((each, index) => {
    const hasEveryWord = counts.every((pages) => pages[index] > 0 || !pages.some(Boolean));
    if (each.results.length && hasEveryWord) {
      // Scaled in place: a result's data is released once Pagefind's own object is collected.
      const weight = siteWeight(counts, index);
      each.results.forEach((result) => (result.score *= weight));
      kept.push(each);
    }
  });
  return {
    results: kept.flatMap((each) => each.results).sort((a, b) => b.score - a.score),
    unfilteredResultCount: kept.reduce((sum, each) => sum + each.unfilteredResultCount, 0),
    filters: mergeFilters(kept.map((each) => each.filters)),
    totalFilters: mergeFilters(found.map((each) => each.totalFilters)),
    timings: found.map((each) => each.timings),
  };
}

export async function debouncedSearch(term, settings = {}, timeout = 300) {
  const ticket = ++searches;
  await new Promise((resolve) => setTimeout(resolve, timeout));
  return ticket === searches ? search(term, settings) : null;
}

export async function destroy() {
  await Promise.all(shards.map(({ pagefind }) => pagefind.destroy()));
  shards = [];
}

// For each word of `term`, how many pages of each shard have it. An exact phrase search has
// no words to count: it never swaps words and its scores are not weighed.
async function pagesWithEachWord(term) {
  if (/^\s*".+"\s*$/.test(term || "")) {
    return [];
  }
  const words = (term || "").replaceAll('"', "").split(/\s+/).filter(Boolean);
  return Promise.all(
    words.map((word) =>
      Promise.all(
        shards.map(({ pagefind }) =>
          pagefind.search('"' + word + '"').then((found) => found.unfilteredResultCount),
        ),
      ),
    ),
  );
}

// How much more (or less) the search's words weigh in the whole site than in shard `index`.
function siteWeight(counts, index) {
  const sitePages = shards.reduce((sum, shard) => sum + shard.pages, 0);
  let inShard = 0;
  let inSite = 0;
  for (const pages of counts) {
    inShard += idf(shards[index].pages, pages[index]);
    inSite += idf(sitePages, pages.reduce((sum, count) => sum + count, 0));
  }
  return inShard > 0 ? inSite / inShard : 1;
}

// Pagefind's inverse document frequency (BM25's).
function idf(pages, having) {
  return Math.log((pages - having + 0.5) / (having + 0.5) + 1);
}

// Filter counts added up value by value, as Pagefind merges them across indexes.
function mergeFilters(all) {
  const merged = {};
  for (const each of all) {
    for (const [name, values] of Object.entries(each || {})) {
      merged[name] = merged[name] || {};
      for (const [value, count] of Object.entries(values)) {
        merged[name][value] = (merged[name][value] || 0) + count;
      }
    }
  }
  return merged;
}
