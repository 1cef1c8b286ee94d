/*
 * librdkafka's transactional producer against a Kafka-compatible broker, for RdkafkaTransactionsTest.
 *
 *   rdkafka_txn <bootstrap.servers> <topic> <transactional.id> <committed> <aborted> <committed-again> [debug]
 *
 * Three transactions, one after the other, with one producer:
 *   1. <committed> records with values "committed-1-<i>", committed;
 *   2. <aborted> records with values "aborted-<i>", flushed (every record acknowledged by the broker,
 *      so they are in the log) and then aborted;
 *   3. <committed-again> records with values "committed-2-<i>", committed.
 * Keys are "key-<i>". The optional last argument is librdkafka's "debug" property (e.g.
 * "protocol,eos,msg"); its log goes to stderr.
 *
 * Prints one line per finished step on stdout ("committed 10", "aborted 5", ...) and exits 0 when all
 * three transactions ended as intended. On any error it prints the step, the error name and text
 * (rd_kafka_err2str) and, for transactional errors, whether librdkafka calls it fatal, retriable or
 * abortable, and exits 1; wrong arguments exit 2.
 *
 * Build: gcc -o rdkafka_txn rdkafka_txn.c -lrdkafka
 */
#include <librdkafka/rdkafka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TXN_TIMEOUT_MS 30000

/* Delivery outcomes of the current transaction, written by the delivery report callback. */
struct deliveries {
        int delivered;
        int failed;
        rd_kafka_resp_err_t first_error;
};

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
        struct deliveries *d = opaque;
        (void)rk;
        if (m->err) {
                if (d->failed++ == 0) d->first_error = m->err;
                fprintf(stderr, "delivery failed: %s (%s), partition %d\n", rd_kafka_err2name(m->err),
                        rd_kafka_err2str(m->err), (int)m->partition);
        } else {
                d->delivered++;
        }
}

static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque) {
        (void)rk;
        (void)opaque;
        fprintf(stderr, "librdkafka error: %s (%s): %s\n", rd_kafka_err2name(err), rd_kafka_err2str(err), reason);
}

/* Exits 1 with the step and everything librdkafka says about a transactional error. */
static void fail_txn(rd_kafka_t *rk, const char *step, rd_kafka_error_t *error) {
        rd_kafka_resp_err_t code = rd_kafka_error_code(error);
        fprintf(stderr, "%s failed: %s (%s): %s [fatal=%s retriable=%s abortable=%s]\n", step,
                rd_kafka_error_name(error), rd_kafka_err2str(code), rd_kafka_error_string(error),
                rd_kafka_error_is_fatal(error) ? "yes" : "no", rd_kafka_error_is_retriable(error) ? "yes" : "no",
                rd_kafka_error_txn_requires_abort(error) ? "yes" : "no");
        if (rd_kafka_error_is_fatal(error)) {
                char reason[512];
                rd_kafka_resp_err_t fatal = rd_kafka_fatal_error(rk, reason, sizeof(reason));
                fprintf(stderr, "fatal error: %s (%s): %s\n", rd_kafka_err2name(fatal), rd_kafka_err2str(fatal), reason);
        }
        rd_kafka_error_destroy(error);
        exit(1);
}

static void fail_err(const char *step, rd_kafka_resp_err_t err) {
        fprintf(stderr, "%s failed: %s (%s)\n", step, rd_kafka_err2name(err), rd_kafka_err2str(err));
        exit(1);
}

static void check(rd_kafka_t *rk, const char *step, rd_kafka_error_t *error) {
        if (error) fail_txn(rk, step, error);
}

static void set(rd_kafka_conf_t *conf, const char *name, const char *value) {
        char errstr[512];
        if (rd_kafka_conf_set(conf, name, value, errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK) {
                fprintf(stderr, "configuration %s=%s: %s\n", name, value, errstr);
                exit(2);
        }
}

static int count(const char *arg, const char *name) {
        char *end;
        long n = strtol(arg, &end, 10);
        if (*arg == '\0' || *end != '\0' || n < 0 || n > 1000000) {
                fprintf(stderr, "%s must be a count from 0 to 1000000, not '%s'\n", name, arg);
                exit(2);
        }
        return (int)n;
}

/* Produces n records "<prefix><i>" keyed "key-<i>", waiting for queue space when the queue is full. */
static void produce(rd_kafka_t *rk, const char *topic, const char *prefix, int n) {
        char key[32], value[64];
        for (int i = 0; i < n; i++) {
                snprintf(key, sizeof(key), "key-%d", i);
                snprintf(value, sizeof(value), "%s%d", prefix, i);
                rd_kafka_resp_err_t err;
                while ((err = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY(key, strlen(key)),
                                                RD_KAFKA_V_VALUE(value, strlen(value)),
                                                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END))
                       == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
                        rd_kafka_poll(rk, 100);
                }
                if (err) fail_err("produce", err);
                rd_kafka_poll(rk, 0);
        }
}

/* Every record of the current transaction must have been delivered, none failed. */
static void expect_delivered(const char *step, struct deliveries *d, int n) {
        if (d->failed) fail_err(step, d->first_error);
        if (d->delivered != n) {
                fprintf(stderr, "%s: %d of %d records delivered\n", step, d->delivered, n);
                exit(1);
        }
}

static void committed_transaction(rd_kafka_t *rk, struct deliveries *d, const char *topic, const char *prefix, int n) {
        memset(d, 0, sizeof(*d));
        check(rk, "begin_transaction", rd_kafka_begin_transaction(rk));
        produce(rk, topic, prefix, n);
        check(rk, "commit_transaction", rd_kafka_commit_transaction(rk, TXN_TIMEOUT_MS));
        rd_kafka_poll(rk, 0); /* serve the remaining delivery reports */
        expect_delivered("commit_transaction", d, n);
        printf("committed %d\n", n);
        fflush(stdout);
}

static void aborted_transaction(rd_kafka_t *rk, struct deliveries *d, const char *topic, const char *prefix, int n) {
        memset(d, 0, sizeof(*d));
        check(rk, "begin_transaction", rd_kafka_begin_transaction(rk));
        produce(rk, topic, prefix, n);
        rd_kafka_resp_err_t err = rd_kafka_flush(rk, TXN_TIMEOUT_MS);
        if (err) fail_err("flush before abort", err);
        expect_delivered("flush before abort", d, n);
        check(rk, "abort_transaction", rd_kafka_abort_transaction(rk, TXN_TIMEOUT_MS));
        printf("aborted %d\n", n);
        fflush(stdout);
}

int main(int argc, char **argv) {
        if (argc != 7 && argc != 8) {
                fprintf(stderr, "usage: %s <bootstrap.servers> <topic> <transactional.id> <committed> <aborted> "
                                "<committed-again> [debug]\n", argv[0]);
                return 2;
        }
        const char *topic = argv[2];
        int committed = count(argv[4], "committed");
        int aborted = count(argv[5], "aborted");
        int committed_again = count(argv[6], "committed-again");

        struct deliveries d;
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        set(conf, "bootstrap.servers", argv[1]);
        set(conf, "transactional.id", argv[3]);
        set(conf, "broker.address.family", "v4");
        if (argc == 8 && argv[7][0] != '\0') set(conf, "debug", argv[7]);
        rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
        rd_kafka_conf_set_error_cb(conf, on_error);
        rd_kafka_conf_set_opaque(conf, &d);

        char errstr[512];
        rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
        if (!rk) {
                fprintf(stderr, "rd_kafka_new: %s\n", errstr);
                return 1;
        }

        check(rk, "init_transactions", rd_kafka_init_transactions(rk, TXN_TIMEOUT_MS));
        printf("initialized\n");
        fflush(stdout);

        committed_transaction(rk, &d, topic, "committed-1-", committed);
        aborted_transaction(rk, &d, topic, "aborted-", aborted);
        committed_transaction(rk, &d, topic, "committed-2-", committed_again);

        rd_kafka_destroy(rk);
        return 0;
}
