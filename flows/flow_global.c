/*
 * flow_global.c - the words that work anywhere (STOP, START, AJUTOR, the
 * abandon words, language names) and the default texts of the global
 * messages, in Romanian, Hungarian and English.
 *
 * Texts are plain ASCII on purpose: one Romanian or Hungarian diacritic
 * switches a whole SMS to UCS-2 and cuts it from 160 to 70 characters
 * (polls.md section 4).  Any flow file may override a message with a
 * "message NAME" block; docs/flows.md lists the names and placeholders.
 */
#include <string.h>

#include "flow.h"
#include "flow_int.h"
#include "util.h"

struct flow_msg_default {
	const char *name;		/* as written after "message" */
	const char *text[FLOW_LANG_N];	/* ro, hu, en */
};

static const struct flow_msg_default flow_msg_defaults[FLOW_MSG_N] = {
	[FLOW_MSG_HELP] = { .name = "help", .text = {
		"Stafeta SPAS. Scrieti unul din cuvintele: {keywords}. "
		"GATA opreste dialogul inceput, STOP opreste mesajele, START "
		"le reia. Urgente: 112.",
		"Stafeta SPAS. Irja be egy szot: {keywords}. MEGSE: a "
		"parbeszed vege, STOP: nem kap tobb uzenetet, START: ujra kap. "
		"Veszely: 112.",
		"Stafeta SPAS. Send one of the words: {keywords}. CANCEL ends "
		"a dialogue, STOP stops our messages, START resumes them. "
		"Emergency: 112.",
	} },
	[FLOW_MSG_UNKNOWN] = { .name = "unknown", .text = {
		"Nu am inteles mesajul. Scrieti AJUTOR pentru informatii sau "
		"unul din cuvintele: {keywords}.",
		"Nem ertettuk az uzenetet. Irja be: SEGITSEG, vagy egy szot "
		"ezek kozul: {keywords}.",
		"Sorry, we did not understand. Send HELP for information, or "
		"one of the words: {keywords}.",
	} },
	[FLOW_MSG_STOP] = { .name = "stop", .text = {
		"Nu veti mai primi mesaje de la noi. Pentru a reveni scrieti "
		"START.",
		"Tobbe nem kuldunk uzenetet. Ha megis kerne, irja be: START.",
		"You will get no more messages from us. Send START to "
		"resume.",
	} },
	[FLOW_MSG_START] = { .name = "start", .text = {
		"Bine ati revenit! Veti primi din nou mesajele noastre. "
		"Pentru oprire scrieti STOP.",
		"Udvozoljuk ujra! Ismet kap uzeneteket. Leiratkozas: STOP.",
		"Welcome back! You will get our messages again. Send STOP to "
		"stop them.",
	} },
	[FLOW_MSG_CANCEL] = { .name = "cancel", .text = {
		"Am oprit dialogul. Scrieti AJUTOR pentru optiuni.",
		"A parbeszedet leallitottuk. Lehetosegek: SEGITSEG.",
		"The dialogue was cancelled. Send HELP for options.",
	} },
	[FLOW_MSG_NOTHING] = { .name = "nothing", .text = {
		"Nu aveti niciun dialog inceput. Scrieti AJUTOR pentru "
		"optiuni.",
		"Nincs folyamatban levo parbeszed. Lehetosegek: SEGITSEG.",
		"You have no dialogue in progress. Send HELP for options.",
	} },
	[FLOW_MSG_EXPIRED] = { .name = "expired", .text = {
		"Dialogul {flow} s-a incheiat pentru ca nu am primit "
		"raspuns. Scrieti {keyword} pentru a incepe din nou.",
		"A(z) {flow} parbeszed lejart, mert nem jott valasz. "
		"Ujrakezdes: {keyword}.",
		"The {flow} dialogue has ended because we got no answer. "
		"Send {keyword} to start again.",
	} },
	[FLOW_MSG_LATE] = { .name = "late", .text = {
		"Mesajul a sosit dupa ce dialogul {flow} s-a incheiat, deci "
		"nu a fost inregistrat. Scrieti {keyword} pentru a incepe din "
		"nou.",
		"Az uzenet a(z) {flow} parbeszed lejarta utan jott, ezert nem "
		"rogzitettuk. Ujrakezdes: {keyword}.",
		"Your message came after the {flow} dialogue had ended, so "
		"it was not recorded. Send {keyword} to start again.",
	} },
	[FLOW_MSG_ERROR] = { .name = "error", .text = {
		"Ne pare rau, a aparut o eroare. Incercati mai tarziu sau "
		"sunati la SPAS.",
		"Sajnaljuk, hiba tortent. Probalja kesobb, vagy hivja a "
		"SPAS-t.",
		"Sorry, something went wrong. Please try again later or call "
		"SPAS.",
	} },
	[FLOW_MSG_REMINDER] = { .name = "reminder", .text = {
		"Asteptam raspunsul dvs.",
		"Varjuk a valaszat.",
		"We are still waiting for your answer.",
	} },
	[FLOW_MSG_RESUME] = { .name = "resume", .text = {
		"Continuam prin SMS dialogul inceput pe USSD.",
		"SMS-ben folytatjuk az USSD-n kezdett parbeszedet.",
		"We continue by SMS the dialogue you began on USSD.",
	} },
	[FLOW_MSG_INVALID] = { .name = "invalid", .text = {
		"Raspuns nevalid.",
		"Ervenytelen valasz.",
		"Invalid answer.",
	} },
	[FLOW_MSG_MORE] = { .name = "more", .text = {
		"99 Inainte",
		"99 Tovabb",
		"99 More",
	} },
	[FLOW_MSG_LANGUAGE] = { .name = "language", .text = {
		"De acum va scriem in limba romana.",
		"Mostantol magyarul irunk.",
		"From now on we write in English.",
	} },
	[FLOW_MSG_HINT_MENU] = { .name = "hint-menu", .text = {
		"Raspundeti cu un numar de la {min} la {max}.",
		"Valaszoljon egy szammal {min} es {max} kozott.",
		"Please answer with a number from {min} to {max}.",
	} },
	[FLOW_MSG_HINT_NUMBER] = { .name = "hint-number", .text = {
		"Scrieti un numar de la {min} la {max}.",
		"Irjon egy szamot {min} es {max} kozott.",
		"Please write a number from {min} to {max}.",
	} },
	[FLOW_MSG_HINT_DATE] = { .name = "hint-date", .text = {
		"Scrieti data ca ZZ.LL.AAAA, de exemplu 25.12.2025.",
		"Irja a datumot EEEE.HH.NN alakban, pl. 2025.12.25.",
		"Please write the date as DD.MM.YYYY, e.g. 25.12.2025.",
	} },
	[FLOW_MSG_HINT_YESNO] = { .name = "hint-yesno", .text = {
		"Raspundeti cu 1 (Da) sau 2 (Nu).",
		"Valaszoljon 1 (Igen) vagy 2 (Nem).",
		"Please answer 1 (Yes) or 2 (No).",
	} },
	[FLOW_MSG_HINT_PATTERN] = { .name = "hint-pattern", .text = {
		"Raspunsul nu are forma asteptata.",
		"A valasz formaja nem megfelelo.",
		"The answer is not in the expected form.",
	} },
	[FLOW_MSG_HINT_PHONE] = { .name = "hint-phone", .text = {
		"Scrieti un numar de telefon, de exemplu 0722123456.",
		"Irjon egy telefonszamot, pl. 0722123456.",
		"Please write a phone number, e.g. 0722123456.",
	} },
	[FLOW_MSG_HINT_TEXT] = { .name = "hint-text", .text = {
		"Scrieti un raspuns de cel mult {max} caractere.",
		"Legfeljebb {max} karakteres valaszt irjon.",
		"Please answer in at most {max} characters.",
	} },
	[FLOW_MSG_PREEMPTED] = { .name = "preempted", .text = {
		"Dialogul {keyword} inceput a fost inchis.",
		"A megkezdett {keyword} parbeszedet lezartuk.",
		"The {keyword} dialogue you began was closed.",
	} },
};

/*
 * Words that work in every state.  Matching is on normalised text, with
 * one typo allowed for words of 4 letters or more (flow_engine.c).  GATA
 * ("done"), RENUNT ("I give up"), CANCEL and MEGSE ("cancel") abandon
 * the current dialogue; the language names switch the contact's language.
 */
static const struct flow_global_word flow_global_words[] = {
	{ .word = "AJUTOR", .kind = FLOW_GLOBAL_HELP },
	{ .word = "HELP", .kind = FLOW_GLOBAL_HELP },
	{ .word = "SEGITSEG", .kind = FLOW_GLOBAL_HELP },
	{ .word = "INFO", .kind = FLOW_GLOBAL_HELP },
	{ .word = "STOP", .kind = FLOW_GLOBAL_STOP },
	{ .word = "START", .kind = FLOW_GLOBAL_START },
	{ .word = "GATA", .kind = FLOW_GLOBAL_CANCEL },
	{ .word = "RENUNT", .kind = FLOW_GLOBAL_CANCEL },
	{ .word = "CANCEL", .kind = FLOW_GLOBAL_CANCEL },
	{ .word = "MEGSE", .kind = FLOW_GLOBAL_CANCEL },
	{ .word = "ROMANA", .kind = FLOW_GLOBAL_LANGUAGE, .arg = "ro" },
	{ .word = "MAGYAR", .kind = FLOW_GLOBAL_LANGUAGE, .arg = "hu" },
	{ .word = "ENGLISH", .kind = FLOW_GLOBAL_LANGUAGE, .arg = "en" },
	{ .word = NULL, .kind = FLOW_GLOBAL_NONE },
};

/* The help word of each language, used where {keywords} is rendered. */
static const char *const help_word[FLOW_LANG_N] = { "AJUTOR", "SEGITSEG",
	"HELP" };

const char *
flow_msg_name(enum flow_msg m)
{
	if ((size_t)m >= FLOW_MSG_N)
		return "?";
	return flow_msg_defaults[m].name;
}

int
flow_msg_parse(const char *name)
{
	size_t i;

	for (i = 0; i < FLOW_MSG_N; i++) {
		if (strcmp(flow_msg_defaults[i].name, name) == 0)
			return (int)i;
	}
	return -1;
}

const char *
flow_msg_default(enum flow_msg m, enum flow_lang lang)
{
	if ((size_t)m >= FLOW_MSG_N || (size_t)lang >= FLOW_LANG_N)
		return "";
	return flow_msg_defaults[m].text[lang];
}

const struct flow_global_word *
flow_global_words_table(void)
{
	return flow_global_words;
}

const char *
flow_global_help_word(enum flow_lang lang)
{
	if ((size_t)lang >= FLOW_LANG_N)
		lang = FLOW_LANG_RO;
	return help_word[lang];
}

const char *
flow_lang_name(enum flow_lang lang)
{
	static const char *const names[FLOW_LANG_N] = { "ro", "hu", "en" };

	if ((size_t)lang >= FLOW_LANG_N)
		return "ro";
	return names[lang];
}

/* Unknown or missing languages read as Romanian, the service language. */
enum flow_lang
flow_lang_parse(const char *s)
{
	if (s != NULL && strcmp(s, "hu") == 0)
		return FLOW_LANG_HU;
	if (s != NULL && strcmp(s, "en") == 0)
		return FLOW_LANG_EN;
	return FLOW_LANG_RO;
}
