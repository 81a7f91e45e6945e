"""Links out of abstracts: the real URL despite glued punctuation and LaTeX debris."""

import pytest

from builder.links import clean_url, find_links, find_urls, link_kind
from builder.records import LINK_KINDS, Link

# Every shape the seed dumps carry (grep the seeds for http), and the URL that was meant.
URL_CASES = [
    (
        "Codes are available in https://github.com/VITA-Group/DSEE.",
        "https://github.com/VITA-Group/DSEE",
    ),
    (
        "(Demo: https://x-codec-audio.github.io Code: https://github.com/zhenye234/xcodec)",
        "https://github.com/zhenye234/xcodec",
    ),
    (
        "at https://github.com/SKDDJ/LoLDU{https://github.com/SKDDJ/LoLDU}.",
        "https://github.com/SKDDJ/LoLDU",
    ),
    ("see https://x.io/{https://x.io/}", "https://x.io/"),
    (
        "available at https://github.com/terryyz/llm-code-eval, encouraging",
        "https://github.com/terryyz/llm-code-eval",
    ),
    (
        "(Our implementation is available in https://github.com/Facico/Dynamic-Logit-Fusion.)",
        "https://github.com/Facico/Dynamic-Logit-Fusion",
    ),
    (
        "publicly available at~https://github.com/rabeehk/compacter.",
        "https://github.com/rabeehk/compacter",
    ),
    (
        "at https://github.com/MoE-Inf/awesome-moe-inference/.",
        "https://github.com/MoE-Inf/awesome-moe-inference/",
    ),
    ("at https://github.com/ryime/PDSG-SDA .", "https://github.com/ryime/PDSG-SDA"),
    ("released at https://aka.ms/monitors4codegen .", "https://aka.ms/monitors4codegen"),
    ("a website http://pretrain.nlpedia.ai/ including", "http://pretrain.nlpedia.ai/"),
    (
        "in the presence of web noise github.com/PaulAlbert31/LSA",
        "https://github.com/PaulAlbert31/LSA",
    ),
    (
        "https://github.com/microsoft/LayoutGeneration/tree/main/LayoutPrompter.",
        "https://github.com/microsoft/LayoutGeneration/tree/main/LayoutPrompter",
    ),
    ("see https://en.wikipedia.org/wiki/Foo_(bar).", "https://en.wikipedia.org/wiki/Foo_(bar)"),
    ('"https://example.org/a";', "https://example.org/a"),
]


@pytest.mark.parametrize(("text", "url"), URL_CASES)
def test_the_real_url_is_kept(text, url):
    urls = find_urls(text)
    assert url in urls
    assert not any(u.endswith((".", ",", ";", "{", "}")) for u in urls)


def test_a_stripped_href_gives_one_link_not_two():
    text = "code: https://github.com/SKDDJ/LoLDU{https://github.com/SKDDJ/LoLDU}. More."
    assert find_urls(text) == ("https://github.com/SKDDJ/LoLDU",)


def test_urls_keep_their_order_and_repeats_collapse():
    text = (
        "Demo: https://x-codec-audio.github.io Code: https://github.com/zhenye234/xcodec) "
        "and again https://x-codec-audio.github.io."
    )
    assert find_urls(text) == (
        "https://x-codec-audio.github.io",
        "https://github.com/zhenye234/xcodec",
    )


@pytest.mark.parametrize(
    "text", ["no links here", "https://", "http://.", "https://[oops", "see github.com"]
)
def test_no_url_is_made_up(text):
    assert find_urls(text) == ()


def test_clean_url_refuses_what_has_no_host():
    assert clean_url("https://...") is None


KIND_CASES = [
    ("https://github.com/VITA-Group/DSEE", "code"),
    ("https://www.github.com/a/b/tree/main/x", "code"),
    ("https://gitlab.com/group/project", "code"),
    ("https://bitbucket.org/paladinanalytics/workspace/projects/OP", "code"),
    ("https://github.com/VITA-Group", "other"),
    ("https://huggingface.co/datasets/davidbrandfonbrener/color-filtered-c4", "dataset"),
    ("https://huggingface.co/spaces/shifeng3711/gg_prior", "space"),
    ("https://huggingface.co/meta-llama/Llama-2-7b", "model"),
    (
        "https://huggingface.co/collections/SurgeGlobal/open-bezoar-6620a24923e12127e9e2b9cc",
        "other",
    ),
    ("https://huggingface.co/papers/2401.00001", "other"),
    ("https://huggingface.co/spaces", "other"),
    ("https://huggingface.co/someone", "other"),
    ("https://mapo-t2i.github.io", "project"),
    ("https://ngoc-nguyen-0.github.io/re-thinking_model_inversion_attacks/", "project"),
    ("https://sites.google.com/view/mend-editing", "project"),
    ("https://aka.ms/monitors4codegen", "other"),
    ("http://pretrain.nlpedia.ai/", "other"),
]


@pytest.mark.parametrize(("url", "kind"), KIND_CASES)
def test_link_kind(url, kind):
    assert link_kind(url) == kind
    assert kind in LINK_KINDS


def test_find_links_pairs_urls_with_kinds():
    text = "Code: https://github.com/a/b. Data: https://huggingface.co/datasets/a/c"
    assert find_links(text) == (
        Link("https://github.com/a/b", "code"),
        Link("https://huggingface.co/datasets/a/c", "dataset"),
    )
