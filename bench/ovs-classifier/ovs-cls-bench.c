/*
 * Times Open vSwitch's own C classifier (lib/classifier.c, linked from Debian's
 * openvswitch-source) on the rules and trace that bench/src/suites/classifier.ts
 * gives softswitch's classifier, so "match OVS's C classifier" is a same-run ratio
 * on the same input rather than a figure from another machine.
 *
 * The classifier is set up as ovs-vswitchd sets up an OpenFlow table: the flow
 * segments for staged lookup and prefix tries on nw_dst and nw_src
 * (ofproto.c's default prefix fields).  Every rule and packet is IPv4
 * (dl_type=0x0800), as an OpenFlow rule on nw_* fields must be.
 *
 * Input (little-endian u32 words): "OCB1", n_entries, n_packets; then per
 * entry priority, value[6], mask[6]; then per packet key[6].  Word order is
 * CLASSBENCH_LAYOUT's: nw_src, nw_dst, nw_proto, tcp_flags, tp_src, tp_dst.
 *
 * Output: one JSON object on stdout.
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "classifier.h"
#include "flow.h"
#include "openvswitch/match.h"
#include "openvswitch/meta-flow.h"
#include "ovs-rcu.h"

#define WORDS 6

struct bench_rule {
    struct cls_rule cr;
};

static double
now_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint32_t *
read_input(const char *path, uint32_t *n_entries, uint32_t *n_packets)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "ovs-cls-bench: cannot open %s: %s\n", path, strerror(errno));
        exit(2);
    }
    uint32_t head[3];
    if (fread(head, 4, 3, f) != 3 || memcmp(&head[0], "OCB1", 4)) {
        fprintf(stderr, "ovs-cls-bench: %s: not an OCB1 file\n", path);
        exit(2);
    }
    *n_entries = head[1];
    *n_packets = head[2];
    size_t words = (size_t) head[1] * (1 + 2 * WORDS) + (size_t) head[2] * WORDS;
    uint32_t *data = malloc(words * 4);
    if (!data || fread(data, 4, words, f) != words) {
        fprintf(stderr, "ovs-cls-bench: %s: truncated (expected %zu words)\n", path, words);
        exit(2);
    }
    fclose(f);
    return data;
}

/* Fills the six ClassBench fields of 'flow' (values) or of 'wc' (masks). */
static void
set_fields(struct flow *flow, const uint32_t *w)
{
    flow->nw_src = htonl(w[0]);
    flow->nw_dst = htonl(w[1]);
    flow->nw_proto = w[2];
    flow->tcp_flags = htons(w[3]);
    flow->tp_src = htons(w[4]);
    flow->tp_dst = htons(w[5]);
}

static int
popcount32(uint32_t x)
{
    return __builtin_popcount(x);
}

/* Unwildcarded bits of the six ClassBench fields: the megaflow's width there. */
static int
mask_bits(const struct flow_wildcards *wc)
{
    const struct flow *m = &wc->masks;
    return popcount32(m->nw_src) + popcount32(m->nw_dst) + popcount32(m->nw_proto)
           + popcount32(m->tcp_flags) + popcount32(m->tp_src) + popcount32(m->tp_dst);
}

int
main(int argc, char *argv[])
{
    if (argc < 2) {
        fprintf(stderr, "usage: ovs-cls-bench INPUT [MIN_MS] [WINDOWS]\n");
        return 2;
    }
    double min_seconds = (argc > 2 ? atoi(argv[2]) : 150) / 1000.0;
    int windows = argc > 3 ? atoi(argv[3]) : 5;
    uint32_t n_entries, n_packets;
    uint32_t *data = read_input(argv[1], &n_entries, &n_packets);
    const uint32_t *entries = data;
    const uint32_t *keys = data + (size_t) n_entries * (1 + 2 * WORDS);

    static const enum mf_field_id prefix_fields[] = { MFF_IPV4_DST, MFF_IPV4_SRC };
    struct classifier cls;
    classifier_init(&cls, flow_segment_u64s);
    classifier_set_prefix_fields(&cls, prefix_fields, ARRAY_SIZE(prefix_fields));

    /* Insertion, as ofproto's flow_mod does it (published after each rule). */
    struct bench_rule *rules = xcalloc(n_entries, sizeof *rules);
    double t0 = now_seconds();
    for (uint32_t i = 0; i < n_entries; i++) {
        const uint32_t *e = entries + (size_t) i * (1 + 2 * WORDS);
        struct match match;
        match_init_catchall(&match);
        match_set_dl_type(&match, htons(0x0800));
        set_fields(&match.flow, e + 1);
        set_fields(&match.wc.masks, e + 1 + WORDS);
        match_zero_wildcarded_fields(&match);
        cls_rule_init(&rules[i].cr, &match, (int) e[0]);
        classifier_insert(&cls, &rules[i].cr, OVS_VERSION_MIN, NULL, 0);
    }
    double insert_seconds = now_seconds() - t0;

    struct flow *flows = xcalloc(n_packets, sizeof *flows);
    for (uint32_t i = 0; i < n_packets; i++) {
        flows[i].dl_type = htons(0x0800);
        set_fields(&flows[i], keys + (size_t) i * WORDS);
    }

    /* One pass for the figures that explain the rate. */
    long long bits = 0;
    long long hits = 0;
    long long priority_sum = 0;   /* Checks that both classifiers found the same rules. */
    for (uint32_t i = 0; i < n_packets; i++) {
        struct flow_wildcards wc;
        flow_wildcards_init_catchall(&wc);
        const struct cls_rule *cr = classifier_lookup(&cls, OVS_VERSION_MIN, &flows[i], &wc);
        if (cr) {
            hits++;
            priority_sum += cr->priority;
        }
        bits += mask_bits(&wc);
    }

    /* Lookups with wildcard tracking, round and round the trace: best window. */
    double best = 0;
    uint32_t pos = 0;
    uintptr_t sink = 0;
    for (int w = 0; w < windows; w++) {
        long long count = 0;
        double start = now_seconds(), elapsed;
        do {
            for (int k = 0; k < 1000; k++) {
                struct flow_wildcards wc;
                flow_wildcards_init_catchall(&wc);
                sink += (uintptr_t) classifier_lookup(&cls, OVS_VERSION_MIN, &flows[pos], &wc);
                if (++pos == n_packets) {
                    pos = 0;
                }
            }
            count += 1000;
            elapsed = now_seconds() - start;
        } while (elapsed < min_seconds);
        if (count / elapsed > best) {
            best = count / elapsed;
        }
    }

    printf("{\"entries\":%u,\"packets\":%u,\"subtables\":%d,\"insertRate\":%.1f,"
           "\"lookupRate\":%.1f,\"hits\":%lld,\"prioritySum\":%lld,\"maskBits\":%.5f,\"sink\":%d}\n",
           n_entries, n_packets, (int) cmap_count(&cls.subtables_map),
           n_entries / insert_seconds, best, hits, priority_sum, (double) bits / n_packets, (int) (sink & 1));
    return 0;
}
