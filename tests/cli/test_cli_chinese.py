"""The command line in Simplified Chinese: help, argparse's own errors, the error line,
progress and results are translated, while ``--json`` output stays byte for byte English."""

from __future__ import annotations

import argparse
import gettext
import json
import shutil
import zipfile

import pytest

from nnstudio import i18n
from tests.cli.golden_outputs import run
from tests.cli.helpers import SAMPLES, run_cli


@pytest.fixture(autouse=True)
def english_afterwards():
    """``--lang zh_CN`` switches the whole process; the other tests expect English."""
    yield
    i18n.set_language("en")


def test_a_bad_argument_value_is_reported_in_chinese(capsys):
    code, out, err = run_cli(
        capsys, "--lang", "zh_CN", "train", SAMPLES / "iris.nnsproj", "--epochs", "abc"
    )
    assert code == 2 and out == ""
    assert err == (
        "nnstudio train：错误：参数 --epochs：无效的 int 值：'abc'（见 nnstudio train --help）\n"
    )


def test_argparse_messages_users_meet_are_chinese_wherever_lang_is_given(capsys):
    code, _out, err = run_cli(capsys, "train", "--lang", "zh_CN")
    assert code == 2
    assert "缺少以下必需的参数：FILE" in err
    code, _out, err = run_cli(capsys, "--lang", "zh_CN", "summary", "a.nnsproj", "--bogus")
    assert code == 2
    assert "无法识别的参数：--bogus" in err
    code, _out, err = run_cli(
        capsys, "--lang=zh_CN", "export", "a.nnsproj", "-o", "x", "--to", "pdf"
    )
    assert code == 2
    assert "参数 --to：无效的选项：'pdf'（可选：'python', 'onnx', 'torchscript'）" in err
    code, _out, err = run_cli(capsys, "--lang", "zh_CN", "step", "a.nnsproj", "--sample")
    assert code == 2
    assert "参数 --sample：需要一个参数值" in err


def test_help_is_chinese_from_the_usage_line_to_the_option_texts(capsys):
    code, out, _err = run_cli(capsys, "--lang", "zh_CN", "train", "--help")
    assert code == 0
    assert out.startswith("用法：nnstudio train")
    for text in (
        "位置参数",
        "选项",
        "显示此帮助信息并退出",
        "项目文件（.nnsproj 或 .json）",
        "不打开图形界面训练项目",
        "学习率",
    ):
        assert text in out
    assert "usage" not in out and "show this help" not in out
    code, out, _err = run_cli(capsys, "--lang", "zh_CN", "--help")
    assert "搭建、训练并理解神经网络" in out and "显示程序的版本号并退出" in out
    assert "不打开界面，直接训练项目" in out  # a sub-command's one-line help


def test_argparse_speaks_english_again_after_a_chinese_run(capsys):
    run_cli(capsys, "--lang", "zh_CN", "train", "--help")
    assert argparse._ is gettext.gettext  # type: ignore[attr-defined]
    assert argparse.ngettext is gettext.ngettext  # type: ignore[attr-defined]
    code, _out, err = run_cli(capsys, "train", SAMPLES / "iris.nnsproj", "--epochs", "abc")
    assert code == 2
    assert err == (
        "nnstudio train: error: argument --epochs: invalid int value: 'abc' "
        "(see nnstudio train --help)\n"
    )


def test_a_data_error_is_one_chinese_line_after_the_translated_prefix(capsys, tmp_path):
    data = tmp_path / "phones.csv"
    data.write_text("ram,price\n4,1\nabc,0\n8,1\n6,0\n", encoding="utf-8")
    code, out, err = run_cli(
        capsys, "--lang", "zh_CN", "validate", SAMPLES / "iris.nnsproj", "--data", data
    )
    assert code == 2 and out == ""
    assert err == (
        "nnstudio validate：错误：ram: phones.csv，列 'ram'，第 2 行：'abc' 不是数字；"
        "请修改这个值，或把该列的类型设为类别型\n"
    )


def test_a_file_that_is_not_a_project_is_refused_in_chinese(capsys, tmp_path):
    picture = tmp_path / "photo.nnsproj"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(32))
    code, _out, err = run_cli(capsys, "--lang", "zh_CN", "summary", picture)
    assert code == 2
    assert err == f"nnstudio summary：错误：{picture}: 是一张 PNG 图片，不是 NN Studio 项目\n"


def test_export_problems_are_chinese(capsys, tmp_path):
    missing = tmp_path / "nowhere" / "model.py"
    code, _out, err = run_cli(
        capsys,
        "--lang",
        "zh_CN",
        "export",
        SAMPLES / "iris.nnsproj",
        "--to",
        "python",
        "-o",
        missing,
    )
    assert code == 2
    assert err == f"nnstudio export：错误：文件夹 {missing.parent} 不存在\n"


def test_an_unknown_language_is_refused_with_the_choices(capsys, monkeypatch):
    monkeypatch.setenv("NNSTUDIO_LANG", "zh_CN")  # the language the machine asks for
    code, _out, err = run_cli(capsys, "--lang", "fr", "summary", SAMPLES / "iris.nnsproj")
    assert code == 2
    assert err == "nnstudio：错误：未知的语言 'fr'（可选：en, zh_CN）\n"


def test_progress_and_results_of_train_are_chinese(capsys, tmp_path):
    project = tmp_path / "iris.nnsproj"
    shutil.copy2(SAMPLES / "iris.nnsproj", project)
    saved = tmp_path / "trained.nnsproj"
    code, out, err = run_cli(
        capsys, "--lang", "zh_CN", "train", project, "--epochs", "2", "--save", saved
    )
    assert code == 0
    progress = [line for line in err.splitlines() if line.strip()]
    assert progress[-1].startswith("轮次 2/2 [########################] 损失 ")
    assert "val_loss " in progress[-1]  # metric names are the --json keys, kept as they are
    result = out.splitlines()
    assert "秒，每秒" in result[-2] and result[-2].endswith("个样本）")
    assert result[-1] == f"已保存 {saved}"


def test_validate_names_the_severity_in_chinese(capsys):
    code, out, _err = run_cli(capsys, "--lang", "zh_CN", "validate", SAMPLES / "xor_step.nnsproj")
    assert code == 0
    assert out.startswith("警告 [dense_1]：")
    code, out, _err = run_cli(capsys, "--lang", "zh_CN", "validate", SAMPLES / "iris.nnsproj")
    assert out == "没有问题\n"


def test_predict_says_what_it_wrote_in_chinese(capsys, tmp_path):
    project = tmp_path / "trained.nnsproj"
    run_cli(capsys, "train", SAMPLES / "brand_price.nnsproj", "--epochs", "1", "--save", project)
    output = tmp_path / "predicted.csv"
    code, _out, err = run_cli(
        capsys,
        "--lang",
        "zh_CN",
        "predict",
        project,
        "--data",
        SAMPLES / "brand_price.csv",
        "-o",
        output,
    )
    assert code == 0
    rows = len(output.read_text(encoding="utf-8-sig").splitlines()) - 1
    assert err.splitlines()[-1] == f"已把 {rows} 条预测写入 {output}"


JSON_COMMANDS = {
    "summary --json": ["summary", "{f}", "--json"],
    "validate --json": ["validate", "{f}", "--json"],
    "train --json": ["train", "{f}", "--epochs", "2", "--json", "--quiet"],
    "step --json": ["step", "{f}", "--json"],
}


@pytest.mark.parametrize("sample", ["xor_step", "iris"])
def test_json_output_is_byte_identical_in_every_language(sample, tmp_path):
    """Grading scripts read ``--json``: its keys and messages never follow the language
    (train's clock figures are left out of the comparison by ``run``)."""
    for csv in SAMPLES.glob("*.csv"):
        shutil.copy2(csv, tmp_path / csv.name)
    project = tmp_path / f"{sample}.nnsproj"
    shutil.copy2(SAMPLES / f"{sample}.nnsproj", project)
    for name, template in JSON_COMMANDS.items():
        argv = [str(project) if a == "{f}" else a for a in template]
        english = run([*argv, "--lang", "en"], tmp_path)
        chinese = run([*argv, "--lang", "zh_CN"], tmp_path)
        assert english["exit"] == chinese["exit"] == 0, name
        # Long outputs come back as their digest, which compares the bytes just as well.
        assert chinese["stdout"] == english["stdout"], name


def test_the_project_file_never_takes_the_language_of_the_run(capsys, tmp_path):
    """What ``train --save`` writes is the same in both languages (names, notices)."""
    documents = []
    for lang in ("en", "zh_CN"):
        saved = tmp_path / f"{lang}.nnsproj"
        code, _out, _err = run_cli(
            capsys,
            "--lang",
            lang,
            "train",
            SAMPLES / "xor_step.nnsproj",
            "--epochs",
            "1",
            "--seed",
            "3",
            "--save",
            saved,
        )
        assert code == 0
        with zipfile.ZipFile(saved) as archive:
            doc = json.loads(archive.read("project.json"))
        for record in doc["runs"]["records"]:  # when and how fast: not about the language
            for key in ("created", "seconds", "samples_per_second"):
                record.pop(key)
        documents.append(doc)
    assert documents[0] == documents[1]
