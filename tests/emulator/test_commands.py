"""The shell simulator: what a command prints, when it ends and with which exit code."""

from __future__ import annotations

import pytest

from pulumi_gpu.emulator.commands import Script, simulate

WRAPPER = (
    "timeout -s TERM {cap} sh -c 'echo epoch 1; sleep 5; echo done; exit 3'; "
    'code=$?; echo "pulumi-gpu: exit $code"; exit $code'
)
"""What the Job providers send around a user's command."""


def test_the_job_wrapper_reports_the_commands_exit_code() -> None:
    assert simulate(WRAPPER.format(cap=3600), {}) == Script(
        5.0, 3, ((0.0, "epoch 1"), (5.0, "done"), (5.0, "pulumi-gpu: exit 3"))
    )


def test_the_job_wrapper_caps_a_command_that_runs_too_long() -> None:
    script = simulate(WRAPPER.format(cap=4), {})
    assert (script.runtime, script.exit_code) == (4.0, 124)
    assert script.lines == ((0.0, "epoch 1"), (4.0, "pulumi-gpu: exit 124"))


def test_a_command_that_runs_forever_ends_at_the_cap() -> None:
    wrapped = 'timeout -s TERM 60 sh -c "python train.py"; code=$?; echo "exit $code"; exit $code'
    assert simulate(wrapped, {}) == Script(60.0, 124, ((60.0, "exit 124"),))
    assert simulate("timeout -k 5 10 sleep infinity; echo $?", {}).lines == ((10.0, "124"),)
    assert simulate("timeout -s KILL 2 sleep 9; echo $?", {}).lines == ((2.0, "137"),)
    assert simulate("timeout 0 sleep 9; echo $?", {}).lines == ((9.0, "0"),), "0: no limit"


@pytest.mark.parametrize(
    ("outer", "inner", "ends"), [(5, 2, 2.0), (2, 5, 2.0)], ids=["inner-first", "outer-first"]
)
def test_nested_timeouts_end_at_the_first_cap(outer: int, inner: int, ends: float) -> None:
    script = simulate(f"timeout {outer} timeout {inner} sleep 9; echo $?", {})
    assert (script.runtime, script.lines) == (ends, ((ends, "124"),))


@pytest.mark.parametrize(
    "command", ["python train.py", "jupyter lab --port 8888", "sleep infinity", "bash run.sh"]
)
def test_unknown_programs_and_services_run_until_stopped(command: str) -> None:
    script = simulate(f"echo start; {command}; echo never", {})
    assert (script.runtime, script.lines) == (None, ((0.0, "start"),))


@pytest.mark.parametrize(
    ("command", "runtime"),
    [
        ("sleep 90", 90),
        ("sleep 1.5m", 90),
        ("sleep 1m 30s", 90),
        ("sleep 2h", 7200),
        ("sleep 1d", 86400),
    ],
)
def test_sleep_durations(command: str, runtime: float) -> None:
    assert simulate(command, {}) == Script(runtime, 0, ())


def test_bad_arguments_are_logged_errors() -> None:
    assert simulate("sleep soon; echo $?", {}).lines == (
        (0.0, "sleep: invalid time interval 'soon'"),
        (0.0, "1"),
    )
    assert simulate("timeout soon sleep 1; echo $?", {}).lines[-1] == (0.0, "125")
    assert simulate("exit nope", {}).exit_code == 2
    unclosed = simulate("echo 'open", {})
    assert (unclosed.exit_code, unclosed.lines) == (2, ((0.0, "sh: no closing quotation"),))
    assert simulate("&& echo x", {}).exit_code == 2


def test_lists_run_on_the_last_exit_code_as_sh_does() -> None:
    script = simulate("false && echo no || echo yes; true || echo no && echo also; false", {})
    assert script.lines == ((0.0, "yes"), (0.0, "also"))
    assert script.exit_code == 1
    assert simulate("true &&\n  echo next line", {}).lines == ((0.0, "next line"),)
    assert simulate("exit 300", {}).exit_code == 44, "exit codes are one byte"
    assert simulate("", {}) == Script(0.0, 0, ())


def test_variables_expand_from_the_shell_then_the_environment() -> None:
    env = {"HOME": "/root", "EPOCHS": "3"}
    script = simulate("E=5; echo $E ${EPOCHS} $HOME $UNSET. '$E' \"$E\" \\$E", env)
    assert script.lines == ((0.0, "5 3 /root . $E 5 $E"),)
    assert simulate("x=1; sh -c 'echo [$x] $HOME'", env).lines == ((0.0, "[] /root"),)
    assert simulate("x=1 sh -c 'echo $x'", env).lines == ((0.0, "1"),), "for that command only"
    assert simulate("export x=2; sh -c 'echo $x'", env).lines == ((0.0, "2"),)


def test_a_sub_script_exits_alone_and_sets_the_exit_code() -> None:
    script = simulate("bash -lc 'echo in; exit 4; echo not'; echo out $?", {})
    assert script.lines == ((0.0, "in"), (0.0, "out 4"))
    assert script.exit_code == 0


def test_quoted_operators_are_words() -> None:
    script = simulate("echo ';' \"a && b\" a\\;b 'x|y' # a comment; echo no", {})
    assert script.lines == ((0.0, "; a && b a;b x|y"),)
    assert simulate('echo "two\nlines"', {}).lines == ((0.0, "two"), (0.0, "lines"))


def test_output_sent_to_a_file_is_not_logged() -> None:
    command = "echo a > out.txt; echo b >> out.txt; echo c &> /dev/null; echo d 2>&1; echo e >&2"
    assert simulate(command, {}).lines == ((0.0, "d"), (0.0, "e"))
    assert simulate("echo x 2>/dev/null; sh -c 'echo y' >/dev/null", {}).lines == ((0.0, "x"),)


def test_other_shell_syntax_runs_forever() -> None:
    assert simulate("echo a | tee log", {}).runtime is None
    assert simulate("sleep 5 & echo b", {}).runtime is None
