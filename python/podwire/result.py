"""What a run measured: its summary as a dict, and its trace as pandas tables and plots."""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import TYPE_CHECKING, Any

from podwire.summary import NotATraceError, open_trace, read_summary, table_rows

if TYPE_CHECKING:
    import matplotlib.axes
    import pandas as pd

PS = 1e-12  # seconds per picosecond

_EVENT_COLUMNS = ("at_ps", "kind", "pod", "node", "owner")


class Result(dict):  # type: ignore[type-arg]
    """A run's summary (this dict, as ``podwire.run`` has always returned it)
    plus its HDF5 trace read into pandas.

    The tables are read from ``path`` the first time they are asked for and
    kept. ``path`` is None for a run made with ``trace=False``; asking for a
    table then raises ``ValueError``.
    """

    def __init__(self, summary: dict[str, Any], path: str | Path | None) -> None:
        super().__init__(summary)
        self.path: Path | None = Path(path) if path is not None else None

    def __repr__(self) -> str:
        figures = f"{self.get('events', 0):,} events, {self.get('simulated_s', 0):g} s simulated"
        state = "" if self.complete else ", stopped early"
        return f"<podwire.Result {self.get('model', 'queueing')}: {figures}{state}; trace {self.path}>"

    @property
    def complete(self) -> bool:
        """False when the run was stopped (Ctrl-C, SIGTERM, SIGQUIT, SIGHUP) before its end."""
        return bool(self.get("complete", False))

    @property
    def model(self) -> str:
        """``cluster`` or ``queueing``."""
        return str(self.get("model", "queueing"))

    def summary(self) -> dict[str, Any]:
        """The summary as a plain dict (a copy: changing it changes nothing here)."""
        return copy.deepcopy(dict(self))

    # --- tables ---------------------------------------------------------

    def table(self, name: str) -> "pd.DataFrame":
        """Any table of the trace as it is stored (ids and enum codes, no names)."""
        import pandas as pd

        with self._file() as f:
            return pd.DataFrame(table_rows(f, name))

    @functools.cached_property
    def requests(self) -> "pd.DataFrame":
        """``/requests``, one row per request, with names instead of ids.

        Cluster runs: ``target`` is the Service (or host:port) name, ``client``,
        ``server``, ``client_node``, ``server_node`` are endpoint names (missing
        where there is none), ``status`` a category (``ok``, ``refused``, ``reset``, ``timeout``, ``dns_failure``,
        ``addr_unavailable``, ``unfinished``),
        ``traffic`` the traffic entry of a client's own request (missing for
        downstream calls), and ``started_s``, ``total_s`` are seconds.
        Queueing runs: the farm's table plus ``wait_s`` and ``sojourn_s``.
        """
        import pandas as pd

        with self._file() as f:
            if "requests" not in f:
                return pd.DataFrame()
            table = f["requests"]
            df = pd.DataFrame(table_rows(f, "requests"))
            if self.model != "cluster":
                df["wait_s"] = (df["start_ps"] - df["arrival_ps"]) * PS
                df["sojourn_s"] = (df["end_ps"] - df["arrival_ps"]) * PS
                return df
            endpoints = _names(f, "endpoints")
            # One dtype for the four endpoint columns, so that they compare
            # (client_node != server_node) and share their categories.
            endpoint = pd.CategoricalDtype(list(dict.fromkeys(endpoints.values())))
            df["target"] = df["target"].map(_names(f, "targets")).astype("category")
            for column in ("client", "server", "client_node", "server_node"):
                df[column] = df[column].map(endpoints).astype(endpoint)
            df["status"] = _enum(df["status"], table.attrs["enum:status"])
            traffic = df["source"].map(_names(f, "traffic")).where(df["parent"] == 0)
            df.insert(int(df.columns.get_loc("source")) + 1, "traffic", traffic.astype("category"))
        df["started_s"] = df["started_ps"] * PS
        df["total_s"] = df["total_ps"] * PS
        return df

    @functools.cached_property
    def connections(self) -> "pd.DataFrame":
        """``/connections`` (with ``outputs.connections: true``): ``local`` as an
        endpoint name and ``end`` as a category; empty when not recorded."""
        import pandas as pd

        with self._file() as f:
            if "connections" not in f:
                return pd.DataFrame()
            table = f["connections"]
            df = pd.DataFrame(table_rows(f, "connections"))
            df["local"] = df["local"].map(_names(f, "endpoints")).astype("category")
            df["end"] = _enum(df["end"], table.attrs["enum:end"])
        return df

    @functools.cached_property
    def dns(self) -> "pd.DataFrame":
        """``/dns``, one row per lookup, with the pod and the name asked as text."""
        import pandas as pd

        with self._file() as f:
            if "dns" not in f:
                return pd.DataFrame()
            df = pd.DataFrame(table_rows(f, "dns"))
            df["client"] = df["client"].map(_names(f, "endpoints")).astype("category")
            df["name"] = df["name"].map(_names(f, "dns_names")).astype("category")
        df["duration_s"] = df["duration_ps"] * PS
        return df

    @functools.cached_property
    def events(self) -> "pd.DataFrame":
        """``/churn/events``: what the lifecycle did, in order, with ``at_s``;
        an empty table (same columns) for a run without churn."""
        import pandas as pd

        with self._file() as f:
            if "churn/events" not in f:
                df = pd.DataFrame({c: pd.Series(dtype="int64" if c == "at_ps" else "str") for c in _EVENT_COLUMNS})
            else:
                df = pd.DataFrame(table_rows(f, "churn/events"))
                for column in _EVENT_COLUMNS[1:]:
                    df[column] = _decode(df[column])
        df["at_s"] = df["at_ps"] * PS
        return df

    def timeseries(self, name: str = "nodes") -> "pd.DataFrame":
        """``/timeseries/<name>`` (``nodes`` or ``links``), with the node or link
        named and ``at_s``, the end of each interval in seconds."""
        return self._timeseries(name).copy()

    def _timeseries(self, name: str) -> "pd.DataFrame":
        import pandas as pd

        cache: dict[str, pd.DataFrame] = self.__dict__.setdefault("_series", {})
        if name in cache:
            return cache[name]

        with self._file() as f:
            if f"timeseries/{name}" not in f:
                available = sorted(f["timeseries"].keys()) if "timeseries" in f else []
                raise KeyError(f"{self.path}: no time series {name!r} (the trace has {available})")
            df = pd.DataFrame(table_rows(f, f"timeseries/{name}"))
            if "node" in df:
                df["node"] = df["node"].map(_names(f, "endpoints")).astype("category")
            if "link" in df:
                df["link"] = df["link"].map(_names(f, "links")).astype("category")
        df["at_s"] = df["at_ps"] * PS
        cache[name] = df
        return df

    # --- plots ----------------------------------------------------------

    def plot_latency_cdf(self, ax: "matplotlib.axes.Axes | None" = None, by: str | None = "target",
                         log: bool = True, label: str | None = None) -> "matplotlib.axes.Axes":
        """The distribution of whole-request latency, one curve per value of
        ``by`` (a column of ``requests``: ``target``, ``traffic``, ``server``,
        ... or None for one curve), over successful requests after the warm-up.
        ``label`` prefixes each curve's name (handy when several runs share an
        axis). Returns the axes."""
        import numpy as np

        ax = _axes(ax)
        df = self.requests
        if self.model == "cluster":
            df = df[(df["status"] == "ok") & ~df["warmup"]]
            latency = "total_s"
        else:
            df = df[~df["warmup"]]
            latency, by = "sojourn_s", None
        groups = [(None, df)] if by is None else [(k, g) for k, g in df.groupby(by, observed=True)]
        for key, group in groups:
            ms = np.sort(group[latency].to_numpy()) * 1e3
            if len(ms) == 0:
                continue
            name = " ".join(str(x) for x in (label, key) if x is not None) or "requests"
            ax.step(ms, np.arange(1, len(ms) + 1) / len(ms), where="post", label=name)
        if log:
            ax.set_xscale("log")
        ax.set_xlabel("latency (ms)")
        ax.set_ylabel("fraction of requests")
        ax.set_ylim(0, 1.01)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
        return ax

    def plot_timeseries(self, name: str, column: str, ax: "matplotlib.axes.Axes | None" = None) -> "matplotlib.axes.Axes":
        """One line per node (or link) of ``/timeseries/<name>``'s ``column``
        over simulated time, e.g. ``plot_timeseries("nodes", "kernel_busy")``."""
        ax = _axes(ax)
        df = self._timeseries(name)
        if column not in df:
            raise KeyError(f"/timeseries/{name} has no column {column!r} (it has {list(df.columns)})")
        key = "node" if "node" in df else "link" if "link" in df else None
        groups = [(name, df)] if key is None else df.groupby(key, observed=True)
        for label, group in groups:
            ax.plot(group["at_s"], group[column], label=str(label))
        ax.set_xlabel("simulated time (s)")
        ax.set_ylabel(column)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize="small")
        return ax

    def report(self, out: str | Path = "report.html", **options: Any) -> Path:
        """Writes this run's HTML page (``podwire report``) to ``out`` and returns its path."""
        from podwire.report_html import write_report

        return write_report(self, out, **options)

    # --- helpers --------------------------------------------------------

    def _file(self) -> Any:
        import h5py

        if self.path is None:
            raise ValueError("this run wrote no trace (trace=False): run it again with a trace to read its tables")
        return h5py.File(self.path, "r")

    def __reduce__(self) -> Any:
        # Pickles as summary and path; the tables are read again where it lands.
        return (Result, (dict(self), self.path))

    __hash__ = None  # type: ignore[assignment]


def open(path: str | Path) -> Result:  # noqa: A001 (podwire.open, as h5py.File or xarray.open_dataset)
    """The Result of a trace on disk, from ``podwire run -o``, ``podwire.run(out=...)``
    or a sweep. Its summary is what the trace holds (traffic, services, nodes,
    the datapath and DNS counters, churn); a run's own Result also has what
    only a live run knows. ``NotATraceError`` for a file that is not a trace."""
    path = Path(path)
    try:
        summary = read_summary(path)
    except NotATraceError:
        raise
    except ValueError:
        summary = _meta_only(path)
    return Result(summary, path)


def _meta_only(path: Path) -> dict[str, Any]:
    with open_trace(path) as f:
        meta = f["meta"].attrs
        return {
            "model": str(meta.get("model", "queueing")),
            "scenario": {"file": str(meta["scenario_file"]), "seed": int(meta["seed"])},
            "events": int(meta.get("events", 0)),
            "simulated_s": int(meta.get("simulated_ps", 0)) * PS,
            "wall_s": None,
            "complete": bool(meta["complete"]),
        }


def _names(f: Any, table: str) -> dict[int, str]:
    if table not in f:
        return {}
    rows = f[table][:]
    return {int(i): n.decode("utf-8") for i, n in zip(rows["id"], rows["name"])}


def _decode(column: "pd.Series") -> "pd.Series":
    return column.map(lambda v: v.decode("utf-8") if isinstance(v, bytes) else str(v))


def _enum(codes: "pd.Series", names: Any) -> "pd.Series":
    import pandas as pd

    categories = [n.decode("utf-8") if isinstance(n, bytes) else str(n) for n in names]
    return pd.Series(pd.Categorical.from_codes(codes.astype("int64"), categories=categories), index=codes.index)


def _axes(ax: "matplotlib.axes.Axes | None") -> "matplotlib.axes.Axes":
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.subplots()[1]
