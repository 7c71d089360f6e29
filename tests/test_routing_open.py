"""Routing as in the paper (issue 15 part 5): one region row per region of a question,
Translation questions kept in their own language and out of the router, and the
``paper-open`` preset."""

import json
from pathlib import Path

import pytest

from lrpo.languages import LANGUAGES, PAPER_LANGUAGES
from lrpo.rewards.lid import identifier_languages
from lrpo.router import LanguageRouter, RolloutPlanner, RouterConfig, records_from_groups
from lrpo.tasks import Example, get_task
from lrpo.training.config import LRPOConfig, parse_config, preset_path
from lrpo.training.setup import build_training_set, context_of
from tests.conftest import REPO_ROOT
from tests.tiny_model import build_random_tiny_model

PAPER_DIR = REPO_ROOT.parent / "shared" / "paper"

# Records of the open_ended schema, written for these tests.
RECORDS = [
    {"id": "r-1", "lang": "ja", "question": "日本と韓国の正月料理の違いは何ですか？",
     "reference": "日本ではおせち料理、韓国ではトックを食べます。", "topic": "Regional Knowledge",
     "region": ["Japan", "South Korea"]},
    {"id": "t-1", "lang": "zh", "question": "请把这句话翻译成中文：The weather is nice today.",
     "reference": "今天天气很好。", "topic": "Translation", "region": []},
]


def write_data(directory: Path, records=RECORDS) -> Path:
    (directory / "open_ended").mkdir(parents=True, exist_ok=True)
    (directory / "open_ended" / "train.jsonl").write_text(
        "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records), encoding="utf-8")
    return directory


def open_config(tmp_path, **overrides) -> LRPOConfig:
    settings = dict(output_dir=str(tmp_path / "run"), task="open_ended", data_dir=str(write_data(tmp_path)),
                    train_languages=["ja", "zh"], candidate_languages=["en", "ja", "zh"], method="lrpo",
                    num_generations=4, k_on=1, per_device_train_batch_size=8, max_completion_length=6,
                    max_steps=2, learning_rate=1e-6, beta=0.0, use_cpu=True, bf16=False, report_to="none",
                    logging_steps=1, save_strategy="no", router_update_every=1, seed=0, disable_tqdm=True,
                    calibration="none")  # the tests' rewards are their own: no calibration table to give
    settings.update(overrides)
    return LRPOConfig(**settings)


# A question with several regions adds each region's row


def example(topic="Regional Knowledge", region=None, regions=None) -> Example:
    meta = {} if regions is None else {"regions": regions}
    return Example(id="q", lang="ja", question="?", answer="!", topic=topic, region=region, meta=meta)


def test_context_has_one_key_per_region():
    fields = ["topic", "region"]
    # open_ended keeps the first region in `region` and all of them in meta["regions"].
    assert context_of(example(region="Japan", regions=("Japan", "South Korea", "Japan")), "open_ended",
                      fields) == ["topic:Regional Knowledge", "region:Japan", "region:South Korea"]
    # A list-valued region counts as well.
    assert context_of(example(region=["France", "Belgium"]), "t", fields) == [
        "topic:Regional Knowledge", "region:France", "region:Belgium"]
    assert context_of(example(topic="General Knowledge", regions=()), "t", fields) == ["topic:General Knowledge"]
    assert context_of(example(region="Japan"), "t", ["region", "qlang"]) == ["region:Japan", "qlang:ja"]
    assert context_of(example(topic=None), "t", fields) == ["task:t"]


def test_a_two_region_question_updates_both_region_rows_and_one_without_only_the_topic_row():
    router = LanguageRouter(PAPER_LANGUAGES, config=RouterConfig(update_every=1, eps=0.0))
    two_regions = context_of(example(region="Japan", regions=("Japan", "South Korea")), "open_ended",
                             ["topic", "region"])
    # Japanese rollouts paid, Korean ones not.
    router.update(records_from_groups([two_regions], [["ja", "ja", "ko", "ko"]], [[1.0, 1.0, 0.0, 0.0]]))
    rows = router.state_dict()["rows"]
    assert sorted(rows) == ["region:Japan", "region:South Korea", "topic:Regional Knowledge"]
    ja, ko = PAPER_LANGUAGES.index("ja"), PAPER_LANGUAGES.index("ko")
    for key in rows:
        assert rows[key][0][ja] > 0 > rows[key][0][ko], key
    # The rows add up: the question's own context is more Japanese than any one of its rows.
    alone = router.probs(("region:Japan",))["ja"]
    assert router.probs(tuple(two_regions))["ja"] > alone > 1 / len(PAPER_LANGUAGES)

    no_region = context_of(example(topic="General Knowledge", regions=()), "open_ended", ["topic", "region"])
    router.update(records_from_groups([no_region], [["ja", "ko"]], [[1.0, 0.0]]))
    assert sorted(router.state_dict()["rows"]) == ["region:Japan", "region:South Korea", "topic:General Knowledge",
                                                   "topic:Regional Knowledge"]
    assert router.state_dict()["rows"]["region:Japan"] == rows["region:Japan"]  # untouched by the second question


def test_the_training_set_carries_every_region_and_marks_translation(tmp_path):
    config = open_config(tmp_path)
    rows = build_training_set(config, get_task("open_ended")).rows
    assert [(row["context"], row["same_language"]) for row in rows] == [
        (["topic:Regional Knowledge", "region:Japan", "region:South Korea"], False),
        (["topic:Translation"], True)]
    off = build_training_set(open_config(tmp_path, same_language_topics=""), get_task("open_ended")).rows
    assert [row["same_language"] for row in off] == [False, False]


# Translation questions keep all K rollouts in the question's language


@pytest.mark.parametrize("method", ["lrpo", "uniform", "input-dominant", "en-dominant", "en:3,zh:1"])
def test_a_same_language_question_keeps_all_k_in_its_language(method):
    router = LanguageRouter(PAPER_LANGUAGES) if method == "lrpo" else None
    planner = RolloutPlanner(method, PAPER_LANGUAGES, k=8, k_on=2, router=router)
    context = ("topic:Translation",)
    rng = planner.generator(0)
    untouched = rng.bit_generator.state
    assert planner.plan("ja", context, rng, same_language=True) == ["ja"] * 8
    assert rng.bit_generator.state == untouched  # nothing drawn: the next group's plan is unchanged
    # Without the option the same planner sends some of 20 groups elsewhere.
    plans = [planner.plan("ja", context, planner.generator(step)) for step in range(20)]
    assert any(language != "ja" for plan in plans for language in plan)


@pytest.fixture(scope="module")
def open_model_dir(tmp_path_factory):
    task = get_task("open_ended")
    corpus = [task.prompt(Example("x", r["lang"], r["question"], r["reference"]), lang)[0]["content"]
              for r in RECORDS for lang in ("en", "ja", "zh")]
    return build_random_tiny_model(tmp_path_factory.mktemp("tiny"), corpus)


def test_training_keeps_translation_in_its_language_and_out_of_the_router(open_model_dir, tmp_path):
    """Real TRL steps on the two questions: the Translation group never leaves Chinese and
    never reaches the router; the regional group is routed and credits both its regions."""
    from lrpo.training.trainer import LRPOTrainer

    calls = []

    def record(prompts, completions, example, response_lang, group, **_):
        calls.append([(ex.topic, language, g) for ex, language, g in zip(example, response_lang, group,
                                                                         strict=True)])
        return [1.0 if language == "en" else 0.0 for language in response_lang]

    config = open_config(tmp_path, router_eps=0.0, max_steps=3)
    trainer = LRPOTrainer.from_config(config, str(open_model_dir), reward_funcs=[record])
    trainer.train()
    assert len(calls) == 3
    routed = []
    for call in calls:
        by_group = {}
        for topic, language, group in call:
            by_group.setdefault(group, []).append((topic, language))
        assert sorted(len(members) for members in by_group.values()) == [4, 4]
        for members in by_group.values():
            topics, languages = zip(*members, strict=True)
            if topics[0] == "Translation":
                assert languages == ("zh",) * 4
            else:
                assert languages[0] == "ja"  # K_on = 1
                routed += languages[1:]
    assert set(routed) - {"ja"}  # the regional group was routed
    state = trainer.router.state_dict()
    assert state["step"] == 3
    # The Translation group fed nothing: no row of its topic. Both regions' rows learnt.
    assert sorted(state["rows"]) == ["region:Japan", "region:South Korea", "topic:Regional Knowledge"]
    # Only English was paid: every row (candidates en, ja, zh) now prefers it.
    assert all(row[0][0] > 0 and row[0][0] == max(row[0]) for row in state["rows"].values())


# The paper-open preset


def pair_stats(path: Path) -> Path:
    """A calibration table in the authors' per-pair format over the paper's 15 languages
    (made-up numbers): the preset's mean calibration needs one, and data is not shipped."""
    names = sorted(LANGUAGES[code].name for code in PAPER_LANGUAGES)
    rows = [f"{a},{b},30,0.95,0.01" for i, a in enumerate(names) for b in names[i:]]
    path.write_text("lang_a,lang_b,count,mean,std\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("table", ["made-up", "authors"])
def test_paper_open_preset_parses_and_has_the_papers_setting(tmp_path, table):
    assert Path(preset_path("paper-open")).resolve() == (REPO_ROOT / "configs" / "paper-open.yaml").resolve()
    flags = ["--config", "paper-open", "--bf16", "false", "--use_vllm", "false"]
    with pytest.raises(ValueError, match="calibration_table: calibration 'mean' needs a table"):
        parse_config(flags)  # the table is data: the preset names none
    path = pair_stats(tmp_path / "stats.csv") if table == "made-up" else \
        PAPER_DIR / "mmbert_small_translation_pair_stats.csv"
    if not path.is_file():
        pytest.skip(f"the paper's data directory is not at {PAPER_DIR}")
    config = parse_config([*flags, "--calibration_table", str(path)])
    assert config.task == "open_ended" and config.method == "lrpo" and config.model == "Qwen/Qwen2.5-1.5B-Instruct"
    assert config.candidate_languages == list(PAPER_LANGUAGES)
    # Table 6: 14 training languages, no English.
    assert set(config.train_languages) == set(PAPER_LANGUAGES) - {"en"}
    if (PAPER_DIR / "training_languages.csv").is_file():
        lines = (PAPER_DIR / "training_languages.csv").read_text(encoding="utf-8").split()[1:]
        assert set(config.train_languages) == {line.split(",")[0] for line in lines}
    # Every language can be prompted (registry) and identified by the gate's detector.
    languages = set(config.candidate_languages) | set(config.train_languages)
    assert languages <= set(LANGUAGES) and languages <= set(identifier_languages())
    assert config.router_context == ["topic", "region"] and config.same_language_topics == ["Translation"]
    assert config.router_config() == RouterConfig(seed=config.seed)  # the router's defaults are the paper's
    assert (config.num_generations, config.k_on, config.learning_rate, config.beta) == (8, 2, 1e-6, 0.001)
    assert (config.max_completion_length, config.temperature, config.num_train_epochs) == (1024, 1.0, 4)
    # 256 questions per step on 8 GPUs.
    assert config.per_device_train_batch_size * 8 * config.gradient_accumulation_steps == 256 * 8
    assert (config.reward, config.similarity_encoder, config.calibration) == (
        "similarity", "jhu-clsp/mmBERT-small", "mean")
    assert config.gate == "hard"


def test_same_language_topics_are_checked_for_open_ended(tmp_path):
    assert open_config(tmp_path, same_language_topics="Translation, Safety/Ethics").same_language_topics == [
        "Translation", "Safety/Ethics"]
    with pytest.raises(ValueError, match=r"same_language_topics: \['translation'\] are not open_ended topics"):
        open_config(tmp_path, same_language_topics=["translation"])
    # Other tasks have their own topics: nothing to check against, and the default changes nothing there.
    assert LRPOConfig(output_dir=str(tmp_path), task="arith", same_language_topics=["add"],
                      use_cpu=True, bf16=False, report_to="none").same_language_topics == ["add"]

