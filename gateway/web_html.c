/*
 * web_html.c - markup of the back office (web.h): THE escaping function
 * every piece of data goes through, the helpers pages write with, the
 * HTML table of a struct table, and the one small style sheet.
 *
 * Pages write their own markup with web_raw (constant strings) and every
 * value with web_text (escaped); web_rawf takes numbers only.  Nothing
 * here needs JavaScript: the CSP (web_server.c) forbids it anyway.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "table.h"
#include "web.h"

int
web_html_escape(struct buf *b, const char *s)
{
	const char *run = s;

	if (s == NULL)
		return 0;
	for (; *s != '\0'; s++) {
		const char *ent;

		switch (*s) {
		case '&': ent = "&amp;"; break;
		case '<': ent = "&lt;"; break;
		case '>': ent = "&gt;"; break;
		case '"': ent = "&quot;"; break;
		case '\'': ent = "&#39;"; break;
		default: continue;
		}
		if (buf_add(b, run, (size_t)(s - run)) != 0 ||
		    buf_addstr(b, ent) != 0)
			return -1;
		run = s + 1;
	}
	return buf_add(b, run, (size_t)(s - run));
}

/* A page too large for its buffer is cut; web_send_page then answers
 * 500 (r->out.len is checked against what was asked). */
void
web_raw(struct web_req *r, const char *html)
{
	if (buf_addstr(&r->out, html) != 0)
		r->out.max = r->out.len;
}

void
web_text(struct web_req *r, const char *s)
{
	(void)web_html_escape(&r->out, s);
}

void
web_rawf(struct web_req *r, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	web_raw(r, tmp);
}

void
web_csrf_field(struct web_req *r)
{
	web_raw(r, "<input type=\"hidden\" name=\"csrf\" value=\"");
	web_text(r, r->csrf);
	web_raw(r, "\">");
}

void
web_table_html(struct web_req *r, const struct table *t, const char *link,
    size_t link_col, size_t id_col)
{
	if (t->nrows == 0) {
		web_raw(r, "<p class=\"empty\">Nimic de afișat.</p>\n");
		return;
	}
	web_raw(r, "<div class=\"scroll\"><table>\n<thead><tr>");
	for (size_t c = 0; c < t->ncols; c++) {
		web_raw(r, "<th>");
		web_text(r, t->cols[c].title);
		web_raw(r, "</th>");
	}
	web_raw(r, "</tr></thead>\n<tbody>\n");
	for (size_t row = 0; row < t->nrows; row++) {
		web_raw(r, "<tr>");
		for (size_t c = 0; c < t->ncols; c++) {
			const char *v = table_get(t, row, c);

			web_raw(r, "<td>");
			if (link != NULL && c == link_col && id_col < t->ncols &&
			    table_get(t, row, id_col)[0] != '\0') {
				web_raw(r, "<a href=\"");
				web_text(r, link);
				web_raw(r, "?id=");
				web_text(r, table_get(t, row, id_col));
				web_raw(r, "\">");
				web_text(r, v);
				web_raw(r, "</a>");
			} else
				web_text(r, v);
			web_raw(r, "</td>");
		}
		web_raw(r, "</tr>\n");
	}
	web_raw(r, "</tbody></table></div>\n");
}

/* The one style sheet (/static/stafeta.css): readable on an old PC
 * browser and on a phone, printable. */
const char web_css[] =
    "*{box-sizing:border-box}"
    "body{font-family:\"DejaVu Sans\",Arial,sans-serif;margin:0;"
    "color:#1b1b1b;background:#f6f6f3;font-size:16px;line-height:1.4}"
    "header{background:#24476b;color:#fff;padding:.5em 1em}"
    "header a{color:#fff}"
    "header .who{float:right;font-size:.9em}"
    "header form{display:inline}"
    "nav{background:#dfe6ee;padding:.3em 1em}"
    "nav a{display:inline-block;margin:.2em .8em .2em 0;color:#12304f;"
    "font-weight:bold;text-decoration:none}"
    "nav a.on{text-decoration:underline}"
    "main{padding:1em;max-width:75em}"
    "h1{font-size:1.4em;margin:.2em 0 .6em}"
    "h2{font-size:1.15em;margin:1.2em 0 .4em}"
    ".scroll{overflow-x:auto}"
    "table{border-collapse:collapse;background:#fff;margin:.3em 0}"
    "th,td{border:1px solid #bbb;padding:.25em .5em;text-align:left;"
    "vertical-align:top}"
    "th{background:#eef1f4}"
    "form.box{background:#fff;border:1px solid #bbb;padding:.6em;"
    "margin:.5em 0;max-width:40em}"
    "label{display:block;margin:.3em 0}"
    "input,select,button{font-size:1em;padding:.25em}"
    "button{background:#24476b;color:#fff;border:0;padding:.35em .9em;"
    "cursor:pointer}"
    "button.link{background:none;color:#fff;text-decoration:underline}"
    ".msg{padding:.5em;border:1px solid #6a6;background:#efe}"
    ".err{padding:.5em;border:1px solid #c55;background:#fee}"
    ".num{font-size:2em;font-weight:bold}"
    ".cards{display:flex;flex-wrap:wrap;gap:.6em}"
    ".card{background:#fff;border:1px solid #bbb;padding:.6em;"
    "min-width:11em}"
    ".late{color:#a00;font-weight:bold}"
    ".empty{color:#555}"
    ".exports a{margin-right:1em}"
    "@media print{header,nav,form,.exports{display:none}}";
const size_t web_css_len = sizeof(web_css) - 1;
