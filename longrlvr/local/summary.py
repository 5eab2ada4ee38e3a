"""The one-screen summary a local-engine run prints at its end."""

from __future__ import annotations

from longrlvr.local.trainer import RunResult


def summary(result: RunResult) -> str:
    """One screen: val answer accuracy and F-beta before SFT, at GRPO start and at the end; file locations."""
    lines = [f"longrlvr local run finished in {result.seconds / 60:.1f} min", ""]
    lines.append(f"{'val (greedy)':<22}{'answer acc':>12}{'F-beta':>10}{'reward':>10}{'format ok':>11}")
    for name, vals in (
        ("random init", result.val_init),
        ("GRPO start (after SFT)", result.val_start),
        ("end", result.val_end),
    ):
        if vals:
            lines.append(
                f"{name:<22}{vals['val/answer_acc']:>12.3f}{vals['val/fbeta']:>10.3f}"
                f"{vals['val/reward']:>10.3f}{vals['val/format_ok']:>11.3f}"
            )
    if result.steps_run and not result.updates:
        lines.append(f"{'GRPO gain':<22}{'n/a: no optimizer update':>32}")
    elif result.val_start and result.val_end:
        gain = {k: result.val_end[f"val/{k}"] - result.val_start[f"val/{k}"] for k in ("answer_acc", "fbeta")}
        lines.append(f"{'GRPO gain':<22}{gain['answer_acc']:>+12.3f}{gain['fbeta']:>+10.3f}")
    lines += ["", f"optimizer updates: {result.updates} in {result.steps_run} GRPO step(s) run now"]
    lines[-1] += f" ({result.signal_groups} of {result.sampled_groups} sampled groups had a learning signal)"
    if result.idle_stop:
        lines.append("stopped early: trainer.max_idle_steps steps without an update")
    lines += ["", f"run dir:        {result.run_dir}", f"metrics:        {result.run_dir / 'metrics.jsonl'}"]
    lines += [f"checkpoint:     {result.checkpoint}", f"learning curve: {result.plot}"]
    return "\n".join(lines)
