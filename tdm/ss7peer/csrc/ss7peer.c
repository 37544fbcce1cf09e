/*
 * ss7peer: a test-only SS7 signalling point built on libss7 (Debian
 * libss7-dev 2.0), driven by the Go interop tests of package tdm/mtp.
 *
 * It runs one libss7 linkset with one link on a seqpacket socket it is
 * given as a file descriptor (transport SS7_TRANSPORT_DAHDIMTP2: one
 * signal unit per packet plus two check-bit octets), reads commands on
 * standard input, one per line, and reports what libss7 decodes on
 * standard output, one event per line:
 *
 *   EV <NAME> key=value ...
 *
 * Commands:
 *   start                          start MTP (when run with -hold)
 *   iam CIC CALLED CALLED_NAI CALLING CALLING_NAI PRES SCREEN CPC
 *   acm CIC | anm CIC | con CIC | rel CIC CAUSE | cpg CIC EVENT
 *   blo CIC | ubl CIC | grs BEGIN END
 *   quit
 *
 * Maintenance is answered as an exchange does: REL and RSC with RLC, BLO
 * with BLA, UBL with UBA, GRS with GRA (all circuits idle), CGB with CGBA
 * and CGU with CGUA (the status received acknowledged whole). CGB and CGU
 * are reported with their type (0 maintenance, 1 hardware failure
 * oriented, Q.763 §3.13) and status bits, one digit per circuit.
 *
 * usage: ss7peer [-hold] [-debug] FD LOCAL_PC ADJACENT_PC SLC NI
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>
#include <libss7.h>

#define MAXCIC 4096

static struct ss7 *ss7;
static struct isup_call *calls[MAXCIC];
static unsigned int adjpc;

static void msg_cb(struct ss7 *s, char *m) { (void)s; fprintf(stderr, "libss7: %s", m); }
static void err_cb(struct ss7 *s, char *m) { (void)s; fprintf(stderr, "libss7 error: %s", m); }
static void call_null_cb(struct ss7 *s, struct isup_call *c, int lock) { (void)s; (void)c; (void)lock; }
static void notinservice_cb(struct ss7 *s, int cic, unsigned int dpc) { (void)s; printf("EV NOTINSERVICE cic=%d dpc=%u\n", cic, dpc); }
static int hangup_cb(struct ss7 *s, int cic, unsigned int dpc, int cause, int do_hangup)
{
	(void)s;
	printf("EV HANGUP cic=%d dpc=%u cause=%d do=%d\n", cic, dpc, cause, do_hangup);
	return SS7_CIC_IDLE;
}

static void forget(struct isup_call *c)
{
	int i;
	for (i = 0; i < MAXCIC; i++) {
		if (calls[i] == c) {
			calls[i] = NULL;
		}
	}
	isup_free_call(ss7, c);
}

static int okcic(int cic) { return cic >= 0 && cic < MAXCIC; }

static void command(char *line)
{
	char called[64], calling[64];
	int cic, nai1, nai2, pres, screen, cpc, cause, end;
	struct isup_call *c;

	if (!strncmp(line, "start", 5)) {
		ss7_start(ss7);
		printf("OK start\n");
	} else if (sscanf(line, "iam %d %63s %d %63s %d %d %d %d", &cic, called, &nai1, calling, &nai2, &pres, &screen, &cpc) == 8 && okcic(cic)) {
		c = isup_new_call(ss7, cic, adjpc, 1);
		isup_set_called(c, called, nai1, ss7);
		isup_set_calling(c, calling, nai2, pres, screen);
		isup_set_calling_party_category(c, cpc);
		calls[cic] = c;
		printf("OK iam %d\n", isup_iam(ss7, c));
	} else if (sscanf(line, "acm %d", &cic) == 1 && okcic(cic) && calls[cic]) {
		printf("OK acm %d\n", isup_acm(ss7, calls[cic]));
	} else if (sscanf(line, "anm %d", &cic) == 1 && okcic(cic) && calls[cic]) {
		printf("OK anm %d\n", isup_anm(ss7, calls[cic]));
	} else if (sscanf(line, "con %d", &cic) == 1 && okcic(cic) && calls[cic]) {
		printf("OK con %d\n", isup_con(ss7, calls[cic]));
	} else if (sscanf(line, "cpg %d %d", &cic, &cause) == 2 && okcic(cic) && calls[cic]) {
		printf("OK cpg %d\n", isup_cpg(ss7, calls[cic], cause));
	} else if (sscanf(line, "rel %d %d", &cic, &cause) == 2 && okcic(cic) && calls[cic]) {
		printf("OK rel %d\n", isup_rel(ss7, calls[cic], cause));
	} else if (sscanf(line, "blo %d", &cic) == 1 && okcic(cic)) {
		c = isup_new_call(ss7, cic, adjpc, 0);
		printf("OK blo %d\n", isup_blo(ss7, c));
	} else if (sscanf(line, "ubl %d", &cic) == 1 && okcic(cic)) {
		c = isup_new_call(ss7, cic, adjpc, 0);
		printf("OK ubl %d\n", isup_ubl(ss7, c));
	} else if (sscanf(line, "grs %d %d", &cic, &end) == 2 && okcic(cic)) {
		c = isup_new_call(ss7, cic, adjpc, 0);
		printf("OK grs %d\n", isup_grs(ss7, c, end));
	} else if (!strncmp(line, "quit", 4)) {
		exit(0);
	} else {
		printf("ERR %s", line);
	}
}

static void event(ss7_event *e)
{
	int i;
	unsigned char zeros[255];

	switch (e->e) {
	case SS7_EVENT_UP:
		printf("EV UP\n");
		break;
	case SS7_EVENT_DOWN:
		printf("EV DOWN\n");
		break;
	case MTP2_LINK_UP:
		printf("EV MTP2UP\n");
		break;
	case MTP2_LINK_DOWN:
		printf("EV MTP2DOWN\n");
		break;
	case ISUP_EVENT_IAM:
		if (okcic(e->iam.cic)) {
			calls[e->iam.cic] = e->iam.call;
		}
		printf("EV IAM cic=%d opc=%u called=%s called_nai=%d calling=%s calling_nai=%d pres=%d screen=%d cpc=%d transcap=%d\n",
			e->iam.cic, e->iam.opc, e->iam.called_party_num, e->iam.called_nai, e->iam.calling_party_num,
			e->iam.calling_nai, e->iam.presentation_ind, e->iam.screening_ind, e->iam.calling_party_cat, e->iam.transcap);
		break;
	case ISUP_EVENT_ACM:
		printf("EV ACM cic=%d opc=%u status=%d\n", e->acm.cic, e->acm.opc, e->acm.called_party_status_ind);
		break;
	case ISUP_EVENT_ANM:
		printf("EV ANM cic=%d opc=%u\n", e->anm.cic, e->anm.opc);
		break;
	case ISUP_EVENT_CON:
		printf("EV CON cic=%d opc=%u\n", e->con.cic, e->con.opc);
		break;
	case ISUP_EVENT_CPG:
		printf("EV CPG cic=%d event=%d\n", e->cpg.cic, e->cpg.event);
		break;
	case ISUP_EVENT_REL:
		printf("EV REL cic=%d opc=%u cause=%d\n", e->rel.cic, e->rel.opc, e->rel.cause);
		isup_rlc(ss7, e->rel.call);
		forget(e->rel.call);
		break;
	case ISUP_EVENT_RLC:
		printf("EV RLC cic=%d opc=%u\n", e->rlc.cic, e->rlc.opc);
		forget(e->rlc.call);
		break;
	case ISUP_EVENT_RSC:
		printf("EV RSC cic=%d opc=%u\n", e->rsc.cic, e->rsc.opc);
		isup_rlc(ss7, e->rsc.call);
		forget(e->rsc.call);
		break;
	case ISUP_EVENT_BLO:
		printf("EV BLO cic=%d opc=%u\n", e->blo.cic, e->blo.opc);
		isup_bla(ss7, e->blo.call);
		forget(e->blo.call);
		break;
	case ISUP_EVENT_UBL:
		printf("EV UBL cic=%d opc=%u\n", e->ubl.cic, e->ubl.opc);
		isup_uba(ss7, e->ubl.call);
		forget(e->ubl.call);
		break;
	case ISUP_EVENT_BLA:
		printf("EV BLA cic=%d opc=%u\n", e->bla.cic, e->bla.opc);
		forget(e->bla.call);
		break;
	case ISUP_EVENT_UBA:
		printf("EV UBA cic=%d opc=%u\n", e->uba.cic, e->uba.opc);
		forget(e->uba.call);
		break;
	case ISUP_EVENT_GRS:
		printf("EV GRS start=%d end=%d opc=%u\n", e->grs.startcic, e->grs.endcic, e->grs.opc);
		memset(zeros, 0, sizeof(zeros));
		isup_gra(ss7, e->grs.call, e->grs.endcic, zeros);
		forget(e->grs.call);
		break;
	case ISUP_EVENT_GRA:
		printf("EV GRA start=%d end=%d opc=%u status=", e->gra.startcic, e->gra.endcic, e->gra.opc);
		for (i = 0; i <= e->gra.endcic - e->gra.startcic && i < 255; i++) {
			printf("%d", e->gra.status[i]);
		}
		printf("\n");
		forget(e->gra.call);
		break;
	case ISUP_EVENT_CGB:
	case ISUP_EVENT_CGU: {
		ss7_event_cicrange *r = e->e == ISUP_EVENT_CGB ? &e->cgb : &e->cgu;
		printf("EV %s start=%d end=%d type=%d opc=%u status=", e->e == ISUP_EVENT_CGB ? "CGB" : "CGU",
			r->startcic, r->endcic, r->type, r->opc);
		for (i = 0; i <= r->endcic - r->startcic && i < 255; i++) {
			printf("%d", r->status[i]);
		}
		printf("\n");
		if (e->e == ISUP_EVENT_CGB) {
			isup_cgba(ss7, r->call, r->endcic, r->status);
		} else {
			isup_cgua(ss7, r->call, r->endcic, r->status);
		}
		forget(r->call);
		break;
	}
	default:
		printf("EV OTHER e=%d name=%s\n", e->e, ss7_event2str(e->e));
		break;
	}
}

int main(int argc, char **argv)
{
	int fd, slc, ni, hold = 0, debug = 0, a = 1;
	unsigned int localpc;
	char line[512];
	size_t used = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (; a < argc && argv[a][0] == '-'; a++) {
		if (!strcmp(argv[a], "-hold")) {
			hold = 1;
		} else if (!strcmp(argv[a], "-debug")) {
			debug = 1;
		}
	}
	if (argc - a != 5) {
		fprintf(stderr, "usage: ss7peer [-hold] [-debug] FD LOCAL_PC ADJACENT_PC SLC NI\n");
		return 2;
	}
	fd = atoi(argv[a]);
	localpc = (unsigned int)strtoul(argv[a + 1], NULL, 0);
	adjpc = (unsigned int)strtoul(argv[a + 2], NULL, 0);
	slc = atoi(argv[a + 3]);
	ni = atoi(argv[a + 4]);

	ss7_set_message(msg_cb);
	ss7_set_error(err_cb);
	ss7_set_hangup(hangup_cb);
	ss7_set_call_null(call_null_cb);
	ss7_set_notinservice(notinservice_cb);
	if (!(ss7 = ss7_new(SS7_ITU))) {
		perror("ss7_new");
		return 1;
	}
	if (debug) {
		ss7_set_debug(ss7, SS7_DEBUG_MTP2 | SS7_DEBUG_MTP3 | SS7_DEBUG_ISUP);
	}
	ss7_set_network_ind(ss7, ni);
	ss7_set_pc(ss7, localpc);
	if (ss7_add_link(ss7, SS7_TRANSPORT_DAHDIMTP2, fd, slc, adjpc)) {
		perror("ss7_add_link");
		return 1;
	}
	if (!hold) {
		ss7_start(ss7);
	}
	printf("EV STARTED pid=%d version=%s\n", (int)getpid(), ss7_get_version());

	for (;;) {
		struct pollfd p[2];
		struct timeval *next, now;
		int timeout = -1, n;
		ss7_event *e;

		if ((next = ss7_schedule_next(ss7))) {
			gettimeofday(&now, NULL);
			timeout = (int)((next->tv_sec - now.tv_sec) * 1000 + (next->tv_usec - now.tv_usec) / 1000);
			if (timeout < 0) {
				timeout = 0;
			}
		}
		p[0].fd = fd;
		p[0].events = hold ? 0 : ss7_pollflags(ss7, fd);
		p[1].fd = 0;
		p[1].events = POLLIN;
		n = poll(p, 2, timeout);
		if (n < 0 && errno != EINTR) {
			perror("poll");
			return 1;
		}
		ss7_schedule_run(ss7);
		if (p[0].revents & (POLLHUP | POLLERR)) {
			printf("EV LINKGONE\n");
			return 0;
		}
		if (p[0].revents & POLLIN) {
			if (ss7_read(ss7, fd) < 0 && errno != EAGAIN) {
				printf("EV LINKGONE\n");
				return 0;
			}
		}
		if (p[0].revents & POLLOUT) {
			ss7_write(ss7, fd);
		}
		if (p[1].revents & (POLLIN | POLLHUP)) {
			ssize_t r = read(0, line + used, sizeof(line) - 1 - used);
			char *nl;
			if (r <= 0) {
				return 0; /* the test went away */
			}
			used += (size_t)r;
			line[used] = 0;
			while ((nl = strchr(line, '\n'))) {
				size_t k = (size_t)(nl - line) + 1;
				char cmd[512];
				memcpy(cmd, line, k);
				cmd[k] = 0;
				if (!strncmp(cmd, "start", 5)) {
					hold = 0;
				}
				command(cmd);
				memmove(line, line + k, used - k);
				used -= k;
				line[used] = 0;
			}
		}
		while ((e = ss7_check_event(ss7))) {
			event(e);
		}
	}
}
