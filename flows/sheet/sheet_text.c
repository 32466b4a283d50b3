/*
 * sheet_text.c - every text this module sends: replies to reporters and
 * messages to SPAS, in Romanian (default), Hungarian and English.
 *
 * All texts are plain ASCII: Romanian diacritics are not in the GSM-7
 * default alphabet and would turn a reply into a 70-character UCS-2
 * message (observation-sheet.md 7.4).  Each reply fits one 160-character
 * SMS; tests/unit/test_sheet_text.c checks the worst cases.  Replies never
 * repeat indicator details: a count and a reference only (7.1 point 5).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "sheet.h"
#include "util.h"

enum text_lang {
	LANG_RO = 0,
	LANG_HU,
	LANG_EN,
	LANG_COUNT,
};

/* Error bodies by enum sheet_perr; "%s" is the offending fragment. */
static const char *const perr_text[][LANG_COUNT] = {
	[SHEET_PERR_NONE] = { "", "", "" },
	[SHEET_PERR_TOO_LONG] = { "mesaj prea lung.",
	    "az uzenet tul hosszu.", "message too long." },
	[SHEET_PERR_KEYWORD] = {
	    "mesajul incepe cu FO, apoi codul familiei.",
	    "az uzenet FO-val kezdodik, utana a csalad kodja.",
	    "start the message with FO, then the family code." },
	[SHEET_PERR_NO_HOUSEHOLD] = {
	    "lipseste codul familiei. Ex: FO 48219303 4c2, sau FISA pentru "
	    "dialog ghidat.",
	    "hianyzik a csalad kodja. Pl. FO 48219303 4c2, vagy FISA "
	    "lepesenkent.",
	    "family code missing. E.g. FO 48219303 4c2, or SHEET for a "
	    "guided dialogue." },
	[SHEET_PERR_HOUSEHOLD_LEN] = {
	    "codul familiei are 8 cifre (sau NOU).",
	    "a csalad kodja 8 szamjegy (vagy NOU).",
	    "the family code has 8 digits (or NOU)." },
	[SHEET_PERR_HOUSEHOLD] = {
	    "cod familie invalid (verificati lista de la SPAS).",
	    "ervenytelen csaladkod (nezze meg a SPAS listajat).",
	    "invalid family code (check the SPAS list)." },
	[SHEET_PERR_FREE_TEXT] = {
	    "textul contine cuvinte nepermise. Nu trimiteti nume sau "
	    "adrese prin SMS.",
	    "a szoveg nem engedelyezett szavakat tartalmaz. Ne kuldjon "
	    "nevet vagy cimet SMS-ben.",
	    "the text contains words that are not allowed. Do not send "
	    "names or addresses by SMS." },
	[SHEET_PERR_DOMAIN] = { "domeniu inexistent '%s' (domenii 1-6).",
	    "nem letezo terulet '%s' (teruletek 1-6).",
	    "no such domain '%s' (domains 1-6)." },
	[SHEET_PERR_UNKNOWN_ITEM] = { "indicator necunoscut '%s'.",
	    "ismeretlen mutato '%s'.", "unknown indicator '%s'." },
	[SHEET_PERR_LEGACY] = { "codul '%s' nu se mai foloseste, folositi ",
	    "a '%s' kod mar nem hasznalatos, helyette: ",
	    "code '%s' is no longer used, use " },
	[SHEET_PERR_ZERO_AND_ITEMS] = {
	    "domeniul %s are si 0 si indicatori.",
	    "a(z) %s. terulet 0-val es mutatokkal is szerepel.",
	    "domain %s has both 0 and indicators." },
	[SHEET_PERR_TIME] = { "ora invalida '%s' (ex: T1015-1030).",
	    "ervenytelen ido '%s' (pl. T1015-1030).",
	    "invalid time '%s' (e.g. T1015-1030)." },
	[SHEET_PERR_TIME_TWICE] = { "ora T apare de doua ori.",
	    "az ido (T) ketszer szerepel.", "time T given twice." },
	[SHEET_PERR_NO_BLOCKS] = {
	    "lipsesc indicatorii (ex: FO cod 4c2 sau FO cod 40).",
	    "hianyoznak a mutatok (pl. FO kod 4c2 vagy FO kod 40).",
	    "no indicators (e.g. FO code 4c2 or FO code 40)." },
	[SHEET_PERR_EMPTY_BLOCK] = {
	    "dupa domeniul %s scrieti indicatorii (ex: 4c2) sau 0.",
	    "a(z) %s. terulet utan irja a mutatokat (pl. 4c2) vagy 0-t.",
	    "after domain %s write the indicators (e.g. 4c2) or 0." },
};

static const char *const err_prefix[LANG_COUNT] = { "EROARE: ", "HIBA: ",
	"ERROR: " };
static const char *const not_recorded[LANG_COUNT] = {
	" Fisa NU a fost inregistrata.", " A lap NEM lett rogzitve.",
	" Sheet NOT recorded." };
static const char *const or_word[LANG_COUNT] = { " sau ", " vagy ",
	" or " };

struct fixed_text {
	const char *name;
	const char *text[LANG_COUNT];
};

static const struct fixed_text fixed_texts[] = {
	{ "unknown_reporter", {
	    "EROARE: numar neinregistrat. Contactati SPAS pentru inscriere.",
	    "HIBA: nem regisztralt szam. A regisztraciohoz forduljon a "
	    "SPAS-hoz.",
	    "ERROR: number not enrolled. Contact SPAS to enrol." } },
	{ "disabled_reporter", {
	    "EROARE: numarul nu mai este activ pentru fise. Contactati SPAS.",
	    "HIBA: a szam mar nem aktiv. Forduljon a SPAS-hoz.",
	    "ERROR: this number is no longer active. Contact SPAS." } },
	{ "not_configured", {
	    "EROARE: serviciul de fise nu este configurat. Contactati SPAS. "
	    "Fisa NU a fost inregistrata.",
	    "HIBA: a szolgaltatas nincs beallitva. Forduljon a SPAS-hoz. "
	    "A lap NEM lett rogzitve.",
	    "ERROR: sheets are not configured. Contact SPAS. Sheet NOT "
	    "recorded." } },
	{ "numbers_exhausted", {
	    "EROARE: numerele de fisa pe acest an s-au epuizat. Contactati "
	    "SPAS. Fisa NU a fost inregistrata.",
	    "HIBA: az idei lapszamok elfogytak. Forduljon a SPAS-hoz. "
	    "A lap NEM lett rogzitve.",
	    "ERROR: sheet numbers for this year are used up. Contact SPAS. "
	    "Sheet NOT recorded." } },
	{ "internal", {
	    "EROARE tehnica. Fisa NU a fost inregistrata. Incercati mai "
	    "tarziu sau sunati la SPAS.",
	    "Technikai HIBA. A lap NEM lett rogzitve. Probalja kesobb vagy "
	    "hivja a SPAS-t.",
	    "Technical ERROR. Sheet NOT recorded. Try again later or call "
	    "SPAS." } },
	{ "pin_bad", { "PIN gresit.", "Hibas PIN.", "Wrong PIN." } },
	{ "pin_locked", {
	    "PIN blocat dupa 3 incercari gresite. Contactati SPAS.",
	    "A PIN 3 hibas probalkozas utan zarolva. Forduljon a SPAS-hoz.",
	    "PIN locked after 3 wrong tries. Contact SPAS." } },
	{ "pin_none", {
	    "Nu aveti PIN pentru USSD. Cereti SPAS sa va seteze unul; "
	    "pana atunci trimiteti fisa prin SMS (FO sau FISA).",
	    "Nincs USSD PIN-kodja. Kerje a SPAS-t, hogy allitson be egyet; "
	    "addig SMS-ben kuldje a lapot (FO vagy LAP).",
	    "You have no USSD PIN. Ask SPAS to set one; until then send "
	    "the sheet by SMS (FO or SHEET)." } },
	{ "cancelled", {
	    "Fisa anulata. Nu s-a trimis nimic.",
	    "A lap torolve. Semmi sem lett elkuldve.",
	    "Sheet cancelled. Nothing was sent." } },
};

static enum text_lang lang_of(const char *);
static void format_received(int64_t, char *, size_t);
static int add_tpl(struct buf *, const char *, const char *const *, size_t);

/*
 * Appends tpl with each "%s" replaced by the next of args: the texts are
 * tables indexed by language, and printf-style formats would not be
 * literals (-Wformat-nonliteral).
 */
static int
add_tpl(struct buf *b, const char *tpl, const char *const *args, size_t n)
{
	const char *pct;
	size_t used = 0;
	int rc = 0;

	while ((pct = strstr(tpl, "%s")) != NULL) {
		rc |= buf_add(b, tpl, (size_t)(pct - tpl));
		rc |= buf_addstr(b, used < n ? args[used] : "");
		used++;
		tpl = pct + 2;
	}
	rc |= buf_addstr(b, tpl);
	return rc == 0 ? 0 : -1;
}

static enum text_lang
lang_of(const char *lang)
{
	if (lang != NULL && strcmp(lang, "hu") == 0)
		return LANG_HU;
	if (lang != NULL && strcmp(lang, "en") == 0)
		return LANG_EN;
	return LANG_RO;
}

/* "14.09 10:42" in the gateway's local time (the reporter's clock). */
static void
format_received(int64_t ms, char *out, size_t outlen)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	localtime_r(&t, &tm);
	if (strftime(out, outlen, "%d.%m %H:%M", &tm) == 0)
		strlcpy_s(out, "?", outlen);
}

void
sheet_format_no(int county, int seq, char *out, size_t outlen)
{
	snprintf(out, outlen, "%02d-%03d", county, seq);
}

int
sheet_text_error(const struct sheet_perror *e, const char *lang,
    struct buf *b)
{
	enum text_lang l = lang_of(lang);
	const char *body;
	int rc = 0;

	if (e->code <= SHEET_PERR_NONE || e->code >= (int)NELEM(perr_text))
		return buf_addstr(b, sheet_text_fixed("internal", lang));
	body = perr_text[e->code][l];
	{
		const char *args[1] = { e->what };

		rc |= buf_addstr(b, err_prefix[l]);
		rc |= add_tpl(b, body, args, 1);
	}
	if (e->code == SHEET_PERR_LEGACY) {
		const char *h = e->hint;

		/* "5B1 5G" -> "5B1 sau 5G." */
		while (*h != '\0') {
			size_t n = strcspn(h, " ");

			rc |= buf_add(b, h, n);
			h += n;
			h += strspn(h, " ");
			if (*h != '\0')
				rc |= buf_addstr(b, or_word[l]);
		}
		rc |= buf_addstr(b, ".");
	}
	rc |= buf_addstr(b, not_recorded[l]);
	return rc == 0 ? 0 : -1;
}

int
sheet_text_ack(const struct sheet_ack *a, const char *lang, struct buf *b)
{
	enum text_lang l = lang_of(lang);
	char no[16], when[32];
	int rc;

	sheet_format_no(a->county, a->seq, no, sizeof(no));
	format_received(a->received_at, when, sizeof(when));
	if (a->household_unknown) {
		/* Stored (SPAS must see it), but the code is none SPAS
		 * issued: say so, and that SPAS calls back. */
		static const char *const fmt[LANG_COUNT] = {
			"OK FO %s primita, DAR codul familiei nu este in "
			"registrul SPAS. Verificati codul; SPAS va suna in "
			"24h pentru identificare.",
			"OK FO %s beerkezett, DE a csaladkod nincs a SPAS "
			"nyilvantartasaban. Ellenorizze; a SPAS 24 oran "
			"belul hivja.",
			"OK FO %s received, BUT the family code is not in "
			"the SPAS register. Check the code; SPAS will call "
			"you within 24h.",
		};
		const char *args[1] = { no };

		rc = add_tpl(b, fmt[l], args, 1);
	} else if (a->no_household) {
		static const char *const fmt[LANG_COUNT] = {
			"OK FO %s familie fara cod. SPAS va suna la acest "
			"numar in cel mult 24h pentru identificare. Nu "
			"trimiteti nume prin SMS.",
			"OK FO %s kod nelkuli csalad. A SPAS 24 oran belul "
			"hivja ezt a szamot az azonositashoz. Ne kuldjon "
			"nevet SMS-ben.",
			"OK FO %s family without code. SPAS will call this "
			"number within 24h to identify it. Do not send "
			"names by SMS.",
		};
		const char *args[1] = { no };

		rc = add_tpl(b, fmt[l], args, 1);
	} else if (a->flagged > 0) {
		static const char *const fmt[LANG_COUNT] = {
			"OK FO %s primita %s (%s %s). SPAS decide vizita.",
			"OK FO %s beerkezett %s (%s %s). A SPAS dont a "
			"latogatasrol.",
			"OK FO %s received %s (%s %s). SPAS will decide on "
			"a visit.",
		};
		static const char *const one[LANG_COUNT] = { "semnalare",
			"jelzes", "flag" };
		static const char *const many[LANG_COUNT] = { "semnalari",
			"jelzes", "flags" };
		static const char *const del[LANG_COUNT] = {
			" Va rugam stergeti SMS-ul trimis.",
			" Kerjuk torolje az elkuldott SMS-t.",
			" Please delete the sent SMS.",
		};

		char count[16];
		const char *args[4] = { no, when, count,
			a->flagged == 1 ? one[l] : many[l] };

		snprintf(count, sizeof(count), "%d", a->flagged);
		rc = add_tpl(b, fmt[l], args, 4);
		if (rc == 0 && !a->ussd)
			rc = buf_addstr(b, del[l]);
	} else {
		static const char *const fmt[LANG_COUNT] = {
			"OK FO %s primita %s, fara semnalari. Multumim.",
			"OK FO %s beerkezett %s, jelzes nelkul. Koszonjuk.",
			"OK FO %s received %s, no flags. Thank you.",
		};
		const char *args[2] = { no, when };

		rc = add_tpl(b, fmt[l], args, 2);
	}
	if (rc == 0 && a->late) {
		static const char *const late[LANG_COUNT] = {
			" Atentie: trimisa la peste 48h de la completare; "
			"termenul este 48h.",
			" Figyelem: tobb mint 48 oraval a kitoltes utan jott; "
			"a hatarido 48 ora.",
			" Note: sent more than 48h after it was filled; the "
			"limit is 48h.",
		};
		rc = buf_addstr(b, late[l]);
	}
	if (rc == 0 && a->urgent) {
		static const char *const danger[LANG_COUNT] = {
			" Pericol imediat: sunati la 112.",
			" Kozvetlen veszely: hivja a 112-t.",
			" Immediate danger: call 112.",
		};
		rc = buf_addstr(b, danger[l]);
	}
	return rc;
}

const char *
sheet_text_fixed(const char *name, const char *lang)
{
	enum text_lang l = lang_of(lang);
	size_t i;

	for (i = 0; i < NELEM(fixed_texts); i++)
		if (strcmp(fixed_texts[i].name, name) == 0)
			return fixed_texts[i].text[l];
	for (i = 0; i < NELEM(fixed_texts); i++)
		if (strcmp(fixed_texts[i].name, "internal") == 0)
			return fixed_texts[i].text[l];
	return "";
}
