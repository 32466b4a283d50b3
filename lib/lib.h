/*
 * lib.h - the base library: what every layer of Stafeta uses and that
 * knows nothing of SMS services, modems, the store or the daemon.  It
 * depends on libc only (tests/layers.sh checks that it calls nothing
 * above it).  One header per concern; include the ones you use:
 *
 *   log.h       the one logging API (OpenSMTPD style), fatal()
 *   util.h      memory that never returns NULL, bounded copies, integers,
 *               directories
 *   buf.h       growable buffers with a hard maximum, CSV fields
 *   clock.h     the one source of "now", and the test clock
 *   file.h      reading a whole small file with a size limit
 *   phone.h     phone numbers to E.164
 *   gsm_text.h  GSM 03.38 / UCS-2 text and part counting, as libgammu
 *               sends it
 *   table.h     tables of text cells (a service's lists and reports) and
 *               their CSV form
 *   zone.h      local time in IANA time zones (quiet hours abroad)
 *
 * The layers above, lowest first: config/ and store/ (beside each other),
 * modem/ (on config/), the flow engine flows/*.c (on config/ and
 * store/), the services flows/NAME/ (on the engine), and gateway/ (the
 * daemon, its HTTP routes and the `stafeta` CLI) on top.
 */
#ifndef STAFETA_LIB_H
#define STAFETA_LIB_H

#include "buf.h"
#include "clock.h"
#include "file.h"
#include "gsm_text.h"
#include "log.h"
#include "phone.h"
#include "table.h"
#include "util.h"
#include "zone.h"

#endif /* STAFETA_LIB_H */
