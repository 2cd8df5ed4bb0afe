"""`huifang keys …`: the key ring that seals personal data at rest (kernel.crypto)."""

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from huifang.schema import metadata
from huifang.settings import clear_caches, load_settings
from kernel.crypto import Keyring, KeyringMissing, get_keyring, key_file_path, write_key_file
from kernel.db import get_engine
from kernel.rekey import BATCH, count_stale, reseal, sealed_columns

keys_app = typer.Typer(help="Encryption keys for personal data.", no_args_is_help=True)
console = Console()


@keys_app.command("new")
def keys_new(
    file: Annotated[
        Path | None, typer.Option(help="Where to write it (default HUIFANG_KEY_FILE)")
    ] = None,
) -> None:
    """Write a new key ring to a file readable by its owner only (never over an existing one)."""
    path = file or key_file_path()
    try:
        write_key_file(path, Keyring.generate())
    except FileExistsError:
        console.print(
            f"[red]密钥文件已存在：{path}（不会覆盖；轮换请用 huifang keys rotate）[/red]"
        )
        raise typer.Exit(1) from None
    console.print(
        f"[green]已生成密钥文件 {path}（权限 600）。请设置 HUIFANG_KEY_FILE={path}"
        "并妥善备份：丢失即无法解密。[/green]"
    )


@keys_app.command("rotate")
def keys_rotate(
    resume: Annotated[
        bool, typer.Option(help="Finish an interrupted rotation (no new key)")
    ] = False,
    batch: Annotated[int, typer.Option(min=1, max=10_000, help="Values per commit")] = BATCH,
) -> None:
    """Add a new current key, then seal every value again under it, in batches (resumable)."""
    settings = load_settings()
    if settings.kernel.keys:
        console.print(
            "[red]密钥来自环境变量 HUIFANG_KEYS，无法在此写入新密钥：请改用 HUIFANG_KEY_FILE，"
            "或在密钥管理处加入新密钥后运行 huifang keys rotate --resume[/red]"
        )
        raise typer.Exit(2)
    try:
        ring = get_keyring()
    except KeyringMissing as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from error
    if not resume:
        ring = ring.rotated()
        write_key_file(key_file_path(), ring, replace=True)
        clear_caches()
        console.print(f"新密钥 {ring.current} 已写入 {key_file_path()}，旧密钥保留用于解密")
    engine = get_engine(settings.kernel.effective_database_url())
    columns = sealed_columns(metadata)
    total = count_stale(engine, columns)
    with Progress(
        TextColumn("重新加密"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
    ) as progress:
        task = progress.add_task("reseal", total=total)
        done = reseal(engine, columns, batch=batch, progress=lambda n: progress.advance(task, n))
    left = count_stale(engine, columns)
    console.print(
        f"[green]已用密钥 {get_keyring().current} 重新加密 {done} 个值；剩余 {left} 个[/green]"
    )
    if left:
        console.print("（运行期间有新写入的值：再次运行 huifang keys rotate --resume 即可）")


@keys_app.command("status")
def keys_status() -> None:
    """How many stored values are not yet sealed under the current key."""
    settings = load_settings()
    engine = get_engine(settings.kernel.effective_database_url())
    stale = count_stale(engine, sealed_columns(metadata))
    ring = get_keyring()
    console.print(
        f"当前密钥 {ring.current}（共 {len(ring.keys)} 个）；未用当前密钥加密的值：{stale}"
    )
