// Pagefind's module interface over the site's search shards, for Pagefind's UI (which loads
// "pagefind.js" from its bundlePath, here). Each shard is a Pagefind index of its own, loaded
// with its own copy of Pagefind; a search asks every shard and ranks their results together,
// as Pagefind's own mergeIndex does, with one difference. An index that lacks a word of the
// search looks for a shorter word it has instead ("antidote" finds "an"), which one index for
// the whole site would do only if no page had the word. So when some shard has a word of the
// search, the shards without it are left out of the results, as they would be in one index.
//
// The UI passes its options on: `shards` (the URL of the folder with shards.json) is ours,
// the others are Pagefind's.

let shards = [];
let searches = 0; // debounced searches begun: only the latest one runs

export async function options(settings) {
  const { shards: folder, ...pagefindOptions } = settings;
  if (folder !== undefined) {
    // "no-cache": asked again on every visit, so a new quarter's shard is never missed.
    const response = await fetch(folder + "shards.json", { cache: "no-cache" });
    if (!response.ok) {
      throw new Error(`${folder}shards.json: HTTP ${response.status}`);
    }
    const names = (await response.json()).shards;
    shards = await Promise.all(names.map((name) => import(folder + name + "pagefind.js")));
  }
  await Promise.all(shards.map((shard) => shard.options(pagefindOptions)));
}

export async function init() {
  await Promise.all(shards.map((shard) => shard.init()));
}

export async function mergeIndex() {
  throw new Error("search/pagefind.js searches the shards its `shards` option lists");
}

export async function filters() {
  return mergeFilters(await Promise.all(shards.map((shard) => shard.filters())));
}

export async function preload(term, settings = {}) {
  await Promise.all(shards.map((shard) => shard.preload(term, settings)));
}

export async function search(term, settings = {}) {
  const found = await Promise.all(shards.map((shard) => shard.search(term, settings)));
  const wanted = await shardsWithEveryWord(term, found);
  const kept = found.filter((_, index) => wanted[index]);
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
  await Promise.all(shards.map((shard) => shard.destroy()));
  shards = [];
}

// For each shard, whether it has results and every word of `term` that some shard has:
// Pagefind's exact ("quoted") search of one word never swaps in a shorter word. An exact
// phrase search needs no such check.
async function shardsWithEveryWord(term, found) {
  const wanted = found.map((each) => each.results.length > 0);
  const exactAlready = /^\s*".+"\s*$/.test(term || "");
  const words = exactAlready ? [] : (term || "").replaceAll('"', "").split(/\s+/).filter(Boolean);
  for (const word of words) {
    const has = await Promise.all(
      shards.map((shard) => shard.search('"' + word + '"').then((r) => r.unfilteredResultCount > 0)),
    );
    if (has.some(Boolean)) {
      has.forEach((hasWord, index) => (wanted[index] = wanted[index] && hasWord));
    }
  }
  return wanted;
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
