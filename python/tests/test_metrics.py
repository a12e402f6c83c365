"""The in-job helper (``tminus.log``, ``tminus.summary``, ``tminus.config``) in programs an agent runs
with a run token, and what it does when the server refuses, cannot be reached, or is not there."""

import textwrap
import time
import unittest

import tminus
from tminus import _metrics
from tests.support import JOB, METRICS_LIMIT, PYTHON, ENV, needs_server, run_config, run_program


def run_code(code: str, **config: object) -> tminus.Run:
    """Runs ``code`` as a program of a queued run (the job's entry point replaced) and waits for it."""
    queued = tminus.launch_add(job=JOB, entry_point=[PYTHON, "-c", textwrap.dedent(code)], config=run_config(**config))
    return queued.wait_until_finished(timeout=60)


@needs_server
class InARun(unittest.TestCase):
    def test_metrics_come_back_in_the_order_logged_with_the_summary(self) -> None:
        run = tminus.launch_add(job=JOB, config=run_config(points=300)).wait_until_finished(timeout=60)
        self.assertEqual(run.state, "finished")
        history = run.history()
        self.assertEqual([row["_step"] for row in history], list(range(300)))
        self.assertEqual([row["loss"] for row in history], [1 / (i + 1) for i in range(300)])
        self.assertEqual(list(history[7]), ["_step", "_timestamp", "loss", "acc"])
        self.assertLess(abs(history[0]["_timestamp"] - time.time()), 120)
        self.assertEqual([row["acc"] for row in run.scan_history(keys=["acc"], page_size=64)], [i / 300 for i in range(300)])
        metrics = tminus.Api().run_metrics(run.id, page_size=100)
        self.assertEqual([p["seq"] for p in metrics.points], list(range(300)))
        self.assertEqual((metrics.truncated, metrics.limit), (False, METRICS_LIMIT))
        self.assertEqual(run.summary, {"loss": 1 / 300, "acc": 299 / 300, "best": "step-0"})

    def test_steps_commits_and_values_as_wandb_log_takes_them(self) -> None:
        run = run_code(
            """
            import tminus
            assert tminus.config["lr"] == 0.5 and tminus.config.lr == 0.5
            tminus.log({"a": 1})
            tminus.log({"b": 2}, commit=False)
            tminus.log({"c": 3})
            tminus.log({"x": 1}, step=5)
            tminus.log({"y": 2}, step=5)
            tminus.log({"z": 3}, step=4)
            tminus.log({"z": 4}, step=4)
            tminus.log({"n": {"deep": 1.5}, "inf": float("inf"), "s": "text"}, step=6)
            tminus.summary["best"] = 0.9
            tminus.summary.update({"note": "ok"})
            """,
            lr=0.5,
        )
        self.assertEqual(run.state, "finished", run.logs())
        points = [(p["step"], p["values"]) for p in run.metrics().points]
        self.assertEqual(
            points,
            [(0, {"a": 1}), (1, {"b": 2, "c": 3}), (5, {"x": 1, "y": 2}), (6, {"n/deep": 1.5, "inf": "Infinity"})],
        )
        self.assertEqual(
            run.summary,
            {"a": 1, "b": 2, "c": 3, "x": 1, "y": 2, "n/deep": 1.5, "inf": "Infinity", "best": 0.9, "note": "ok"},
        )
        logs = run.logs()
        self.assertEqual(logs.count("step 4 is less than the current step 5"), 1)
        self.assertEqual(logs.count("'s' is a str, not a number"), 1)

    def test_threads_log_together_and_a_failing_program_still_sends_its_metrics(self) -> None:
        run = run_code(
            """
            import sys, threading, tminus
            def work(k):
                for i in range(500):
                    tminus.log({f"t{k}": i})
            threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
            for t in threads: t.start()
            for t in threads: t.join()
            sys.exit(3)
            """
        )
        self.assertEqual((run.state, run.exit_code), ("failed", 3))
        points = run.metrics().points
        self.assertEqual([p["step"] for p in points], list(range(2000)))
        for k in range(4):
            self.assertEqual([p["values"][f"t{k}"] for p in points if f"t{k}" in p["values"]], list(range(500)))


class NeverFailsTheProgram(unittest.TestCase):
    CODE = textwrap.dedent(
        """
        import tminus
        for i in range(20_000):
            tminus.log({"loss": 1 / (i + 1)})
        tminus.summary["done"] = True
        print("trained", tminus.summary["loss"])
        """
    )

    def test_an_unreachable_server_is_said_once_and_the_metrics_are_dropped(self) -> None:
        env = {"TMINUS_API_URL": "http://127.0.0.1:9", "TMINUS_RUN_TOKEN": "tmr_gone.abc", "TMINUS_RUN_ID": "gone"}
        started = time.monotonic()
        done = run_program(self.CODE, env)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(done.stdout, f"trained {1 / 20_000}\n")
        self.assertEqual(done.stderr.count("could not send metrics"), 1, done.stderr)
        self.assertIn("metric point(s) of run gone were not sent", done.stderr)
        # At exit it does not wait for a server it could not reach (the process would take 30 s more).
        self.assertLess(time.monotonic() - started, 20)

    @needs_server
    def test_a_refused_token_is_said_once_and_nothing_more_is_sent(self) -> None:
        env = {"TMINUS_API_URL": ENV["TMINUS_BASE_URL"], "TMINUS_RUN_TOKEN": "tmr_nope.0000", "TMINUS_RUN_ID": "nope"}
        done = run_program(self.CODE, env)
        self.assertEqual(done.returncode, 0, done.stderr)
        lines = [line for line in done.stderr.splitlines() if line.startswith("tminus:")]
        self.assertEqual(len(lines), 1, done.stderr)
        self.assertIn("the server refused the metrics of run nope (Unknown or expired run token)", lines[0])

    def test_outside_a_run_logging_works_and_is_not_sent(self) -> None:
        done = run_program(self.CODE, {})
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(done.stdout, f"trained {1 / 20_000}\n")
        self.assertEqual(done.stderr.count("tminus:"), 1, done.stderr)
        self.assertIn("not running as a tminus run", done.stderr)


class BoundedMemory(unittest.TestCase):
    def test_what_waits_to_be_sent_stays_within_its_bound(self) -> None:
        recorder = _metrics.Recorder(tminus.Api("http://127.0.0.1:9", "tmr_x.y", timeout=2), "x")
        point = {f"layer{k}/grad_norm": 0.123456789 for k in range(20)}  # about 600 bytes encoded
        for _ in range(2 * _metrics.MAX_PENDING_BYTES // 600):
            recorder.log(point, None, None)
        with recorder._lock:
            self.assertLessEqual(recorder._pending_bytes, _metrics.MAX_PENDING_BYTES)
            self.assertEqual(recorder._pending_bytes, sum(len(p) for p in recorder._points))
            self.assertGreater(recorder._dropped, 0)
        recorder.close()


if __name__ == "__main__":
    unittest.main()
