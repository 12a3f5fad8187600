"""Plotly figures for the dashboard, built from the frames in :mod:`analytics` (no Streamlit).

One visual language across charts: a light template, the app's blue, sentiment colours that
read as such (green / grey / amber / red), horizontal bars so long code names stay readable.
Texts are set as plain data (Plotly escapes them; we never enable HTML labels from verbatims).
"""

from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go

from surveycoder_core.analytics.tables import SENTIMENT_ORDER

FONT = "Inter, -apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif"
BLUE = "#2f5d8a"
SENTIMENT_COLOURS = {"Positive": "#2e9e6a", "Neutral": "#a7b1bd", "Mixed": "#e3a13b", "Negative": "#d2544f"}
CATEGORY_COLOURS = ("#2f5d8a", "#5b9bd5", "#7fb77e", "#e3a13b", "#9b72b0", "#d2544f", "#4bb3b0", "#8c8c8c",
                    "#c98b5e", "#6f8fbf")
ROW_HEIGHT = 26


def _label(text: str, width: int = 38) -> str:
    """A code or category name as a safe axis label (Plotly reads a few HTML tags in labels)."""
    text = str(text)
    if len(text) > width:
        text = text[: width - 1] + "…"
    return html.escape(text, quote=False)


def _layout(fig: go.Figure, *, rows: int, title: str | None = None, legend: bool = True) -> go.Figure:
    fig.update_layout(
        template="plotly_white",
        font={"family": FONT, "size": 13, "color": "#24303d"},
        title={"text": title, "x": 0, "font": {"size": 15}} if title else None,
        height=max(260, 90 + rows * ROW_HEIGHT),
        margin={"l": 10, "r": 20, "t": 40 if title else 20, "b": 30},
        bargap=0.28,
        showlegend=legend,
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "left", "x": 0, "title": None},
        hoverlabel={"font": {"family": FONT}},
    )
    fig.update_xaxes(gridcolor="#e9edf2", zeroline=False)
    fig.update_yaxes(automargin=True)
    return fig


def _empty(message: str) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(text=message, showarrow=False, font={"size": 14, "color": "#6b7785"})
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _layout(fig, rows=2, legend=False)


def frequency_chart(freq: pd.DataFrame, *, title: str | None = None) -> go.Figure:
    """Horizontal bars: % of respondents per code, coloured and grouped by category (codebook order)."""
    if freq.empty:
        return _empty("No codes match the filters")
    fig = go.Figure()
    cats = list(dict.fromkeys(freq["category"]))
    for i, cat in enumerate(cats):
        part = freq[freq["category"] == cat]
        fig.add_bar(
            x=part["pct"], y=[[_label(cat, 22)] * len(part), [_label(c) for c in part["code"]]],
            orientation="h", name=_label(cat), marker_color=CATEGORY_COLOURS[i % len(CATEGORY_COLOURS)],
            text=[f"{p:.0f}%  ({n})" for p, n in zip(part["pct"], part["count"], strict=True)],
            textposition="outside", cliponaxis=False,
            customdata=part[["count"]].to_numpy(),
            hovertemplate="%{y}<br>%{x:.1f}% of respondents (%{customdata[0]})<extra></extra>",
        )
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title="% of respondents", ticksuffix="%", range=[0, max(5.0, float(freq["pct"].max()) * 1.25)])
    return _layout(fig, rows=len(freq), title=title, legend=False)


def sentiment_chart(sent: pd.DataFrame, *, title: str | None = None) -> go.Figure:
    """100%-stacked bars: each code's mentions split by sentiment."""
    if sent.empty:
        return _empty("No coded responses match the filters")
    codes = list(dict.fromkeys(sent["code"]))
    fig = go.Figure()
    for s in SENTIMENT_ORDER:
        part = sent[sent["sentiment"] == s].set_index("code").reindex(codes)
        if part["count"].isna().all():
            continue
        fig.add_bar(
            x=part["pct"].fillna(0), y=[_label(c) for c in codes], orientation="h", name=s,
            marker_color=SENTIMENT_COLOURS[s], customdata=part[["count"]].fillna(0).to_numpy(),
            text=[f"{p:.0f}%" if p and p >= 8 else "" for p in part["pct"].fillna(0)], textposition="inside",
            insidetextanchor="middle",
            hovertemplate="%{y}: %{x:.0f}% " + s.lower() + " (%{customdata[0]})<extra></extra>",
        )
    fig.update_layout(barmode="stack")
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title="% of the code's mentions", ticksuffix="%", range=[0, 100])
    return _layout(fig, rows=len(codes), title=title)


def net_sentiment_chart(net: pd.DataFrame, *, title: str | None = None) -> go.Figure:
    """Diverging bars: % positive − % negative per code (−100 … +100)."""
    if net.empty:
        return _empty("No coded responses match the filters")
    colours = [SENTIMENT_COLOURS["Positive"] if v > 0 else SENTIMENT_COLOURS["Negative"] if v < 0
               else SENTIMENT_COLOURS["Neutral"] for v in net["net"]]
    fig = go.Figure(go.Bar(
        x=net["net"], y=[_label(c) for c in net["code"]], orientation="h", marker_color=colours,
        text=[f"{v:+.0f}" for v in net["net"]], textposition="outside", cliponaxis=False,
        customdata=net[["positive", "negative", "total"]].to_numpy(),
        hovertemplate="%{y}: net %{x:+.0f}<br>%{customdata[0]} positive, %{customdata[1]} negative"
                      " of %{customdata[2]} mentions<extra></extra>",
    ))
    fig.add_vline(x=0, line_color="#7a8694", line_width=1)
    fig.update_xaxes(title="Net sentiment (% positive − % negative)", range=[-115, 115])
    return _layout(fig, rows=len(net), title=title, legend=False)


def crosstab_heatmap(pct: pd.DataFrame, counts: pd.DataFrame, *, title: str | None = None) -> go.Figure:
    """Codes × segment: column % as colour, "% (n)" as text; the Total column is left out of the colour scale."""
    if pct.empty:
        return _empty("No codes match the filters")
    cols = [c for c in pct.columns if c != "Total"]
    z = pct[cols].to_numpy()
    n = counts.loc[pct.index, cols].to_numpy()
    text = [[f"{z[i][j]:.0f}% ({n[i][j]})" for j in range(len(cols))] for i in range(len(pct.index))]
    base = counts.loc["Base", cols] if "Base" in counts.index else None
    x = [f"{_label(c, 20)}<br>n={int(base[c])}" if base is not None else _label(c, 20) for c in cols]
    fig = go.Figure(go.Heatmap(
        z=z, x=x, y=[_label(c) for c in pct.index], text=text, texttemplate="%{text}",
        colorscale=[[0, "#f4f7fb"], [0.5, "#8fb3d9"], [1, BLUE]], showscale=False, xgap=2, ygap=2,
        hovertemplate="%{y} · %{x}: %{text}<extra></extra>",
    ))
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(side="top", gridcolor="rgba(0,0,0,0)")
    fig.update_yaxes(gridcolor="rgba(0,0,0,0)")
    return _layout(fig, rows=len(pct.index) + 1, title=title, legend=False)
