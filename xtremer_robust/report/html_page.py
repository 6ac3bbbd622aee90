"""The leaderboard as one static, self-contained HTML page.

No external scripts, fonts or styles: the page opens from disk on an offline machine and can
be attached to a paper's artefacts. Every cell carries a ``data-sort`` value; a few lines of
vanilla JavaScript sort the table when a header is clicked, and once on load by the column
named in the URL fragment (``#sort=<key>``, default the overall clean score, descending),
marking the sorted header with ``aria-sort``. Figures are embedded as PNG data URIs. All
text from submissions is HTML-escaped: a model id is data, never markup.
"""

from __future__ import annotations

import base64
import html
import math

from xtremer_robust import __version__
from xtremer_robust.report.leaderboard import Leaderboard, table_columns, table_rows, tier_rows

__all__ = ["render_html"]

_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem;color:#1b1f24;background:#fff}
h1{font-size:1.5rem;margin:0 0 .3rem}
h2{font-size:1.1rem;margin:1.2rem 0 .2rem}
p.note{color:#57606a;max-width:70rem;font-size:.9rem}
table{border-collapse:collapse;font-size:.88rem;margin:1rem 0}
th,td{border-bottom:1px solid #d0d7de;padding:.35rem .6rem;text-align:right;white-space:nowrap}
th{background:#f6f8fa;user-select:none}
#leaderboard th{cursor:pointer;position:sticky;top:0}
th[aria-sort=ascending]::after{content:" \\25B2"}
th[aria-sort=descending]::after{content:" \\25BC"}
td.text,th.text{text-align:left}
tbody tr:nth-child(odd){background:#fbfcfd}
tbody tr:hover{background:#eef4ff}
.figures{display:flex;flex-wrap:wrap;gap:1rem}
.figures figure{margin:0;border:1px solid #d0d7de;padding:.5rem}
.figures img{height:20rem;width:auto;max-width:100%}
.rejected{color:#a40e26}
"""

_SCRIPT = """
(function () {
  var table = document.getElementById("leaderboard");
  var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);
  function value(row, index, numeric) {
    var raw = row.cells[index].getAttribute("data-sort");
    return numeric ? parseFloat(raw) : raw.toLowerCase();
  }
  function sortBy(key, descending) {
    var index = -1;
    heads.forEach(function (th, i) { if (th.getAttribute("data-key") === key) { index = i; } });
    if (index < 0) { return; }
    var numeric = heads[index].getAttribute("data-type") === "num";
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = value(a, index, numeric), y = value(b, index, numeric);
      var order = x < y ? -1 : x > y ? 1 : 0;
      return descending ? -order : order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
    heads.forEach(function (th) { th.removeAttribute("aria-sort"); });
    heads[index].setAttribute("aria-sort", descending ? "descending" : "ascending");
    table.setAttribute("data-sorted-by", key + (descending ? ":desc" : ":asc"));
  }
  heads.forEach(function (th) {
    th.addEventListener("click", function () {
      var key = th.getAttribute("data-key");
      var descending = th.getAttribute("aria-sort") !== "descending";
      sortBy(key, descending);
    });
  });
  var match = /sort=([^&:]+)(?::(asc|desc))?/.exec(window.location.hash);
  if (match) { sortBy(decodeURIComponent(match[1]), match[2] !== "asc" && match[1] !== "model" && match[1] !== "rank"); }
  else { sortBy(table.getAttribute("data-default-sort"), true); }
})();
"""

_TEXT_COLUMNS = {"model", "complete"}


def _sort_attr(value: float | str) -> str:
    if isinstance(value, str):
        return html.escape(value, quote=True)
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return repr(float(value))


def render_html(board: Leaderboard, figures: dict[str, bytes] | None = None, *, title: str = "xtremer-robust leaderboard") -> str:
    """The whole page as a string; ``figures`` maps a caption to PNG bytes to embed."""
    cols = table_columns(board)
    head = "".join(
        f'<th data-key="{html.escape(k)}" data-type="{"text" if k in _TEXT_COLUMNS else "num"}"'
        f'{" class=text" if k in _TEXT_COLUMNS else ""}>{html.escape(h)}</th>'
        for k, h in cols
    )
    body_rows = []
    for row in table_rows(board):
        cells = "".join(
            f'<td data-sort="{_sort_attr(row[k][1])}"{" class=text" if k in _TEXT_COLUMNS else ""}>'
            f"{html.escape(row[k][0])}</td>"
            for k, _ in cols
        )
        body_rows.append(f"<tr>{cells}</tr>")
    figure_html = "".join(
        f'<figure><img alt="{html.escape(caption)}" src="data:image/png;base64,{base64.b64encode(png).decode("ascii")}">'
        f"<figcaption>{html.escape(caption)}</figcaption></figure>"
        for caption, png in (figures or {}).items()
    )
    tiers = tier_rows(board)
    tier_html = ""
    if tiers:
        tier_body = "".join(
            "<tr>" + "".join(f'<td{" class=text" if i < 2 else ""}>{html.escape(cell)}</td>' for i, cell in enumerate(row)) + "</tr>"
            for row in tiers
        )
        tier_html = (
            "<h2>Gap by language tier</h2><table id=\"tiers\"><thead><tr><th class=text>Model</th><th class=text>Variant</th>"
            f"<th>High [95% CI]</th><th>Mid [95% CI]</th><th>Low [95% CI]</th></tr></thead><tbody>{tier_body}</tbody></table>"
        )
    rejected = "".join(
        f'<p class="rejected">Rejected {html.escape(path.name)}: {html.escape(message)}</p>'
        for path, message in board.rejected
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>{_STYLE}</style>
</head>
<body>
<h1>{html.escape(title)}</h1>
<p class="note">Scores x100 with 95% paired-bootstrap intervals in brackets. Gap = clean minus perturbed score on the
same items (positive: the perturbation hurts). Ranked by the overall clean score (unweighted mean over tasks of the
mean over languages; QA counts F1); an overall figure is complete only when all ten XTREME-R tasks and their languages
are present. Click a column header to sort.</p>
<table id="leaderboard" data-default-sort="clean">
<thead><tr>{head}</tr></thead>
<tbody>
{chr(10).join(body_rows)}
</tbody>
</table>
{tier_html}
{rejected}
<div class="figures">{figure_html}</div>
<p class="note">Made with xtremer-robust {html.escape(__version__)}.</p>
<script>{_SCRIPT}</script>
</body>
</html>
"""
