package io.tributary.broker.client;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.state.KeyValueStore;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * A Kafka Streams application with {@code processing.guarantee=exactly_once_v2} in its own JVM, so
 * that a test can kill it with SIGKILL and restart it ({@link StreamsExactlyOnceTest}).
 *
 * <p>It reads the input topic (key: an account, value: a long, the record's sequence number),
 * keeps per account the count and the sum of the values seen so far in a persistent (RocksDB)
 * store, and writes every new total to the output topic as {@code "COUNT SUM"} under the account.
 * The record cache is off ({@code statestore.cache.max.bytes=0}), so every input record gives
 * exactly one output record: with exactly-once, an account's committed outputs are
 * {@code "1 v1"}, {@code "2 v1+v2"}, ... with no repeat and no gap.
 *
 * <p>Two knobs make a kill land in the middle of the stream. {@code recordsPerSecond} (0: no limit)
 * paces processing (over all tasks). {@code pauseAt} (-1: never) stops the stream thread for good right after the
 * record with that value has been processed and its output and changelog records handed to the
 * producer, inside the open transaction: the producer keeps sending them, so the log holds records
 * of a transaction that can only end aborted once the process is killed.
 *
 * <p>It reports on stdout, one line each: {@code STATE <KafkaStreams.State>} on every state change,
 * {@code PAUSED <value>} when it pauses, {@code FAILED <exception>} if a stream thread dies (the
 * stack trace goes to stderr). It exits when its stdin closes, so it does not outlive the test JVM.
 *
 * <p>{@code transaction.timeout.ms} says how long the coordinator lets a transaction of a killed
 * instance stay open before it aborts it; a restart with the same state directory (so the same
 * process id and {@code transactional.id}) aborts it at once when it fences the old producer.
 *
 * <p>Usage: {@code StreamsEosApp <bootstrap> <application.id> <input> <output> <state.dir> <recordsPerSecond> <pauseAt> <transaction.timeout.ms>}
 */
public final class StreamsEosApp {
    /** How often the application commits, each commit ending a transaction. */
    static final int COMMIT_INTERVAL_MS = 100;
    /** The consumer's session timeout: a killed instance leaves the group this long after the kill. */
    static final int SESSION_TIMEOUT_MS = 3_000;

    private StreamsEosApp() {
    }

    public static void main(String[] args) {
        if (args.length != 8) {
            System.err.println("usage: StreamsEosApp <bootstrap> <application.id> <input> <output> <state.dir> <recordsPerSecond> <pauseAt> <transaction.timeout.ms>");
            System.exit(2);
        }
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        Thread watchdog = new Thread(() -> {
            try {
                while (System.in.read() >= 0) {
                    // the parent never writes; end of input means it is gone
                }
            } catch (IOException e) {
                // treated as end of input
            }
            Runtime.getRuntime().halt(3);
        }, "stdin-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();

        Pace pace = new Pace(Integer.parseInt(args[5]));
        long pauseAt = Long.parseLong(args[6]);
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(args[2], Consumed.with(Serdes.String(), Serdes.Long()))
                .processValues(() -> new Pacer(pace, pauseAt, out))
                .groupByKey()
                .aggregate(() -> "0 0", StreamsEosApp::add,
                        Materialized.<String, String, KeyValueStore<Bytes, byte[]>>as("totals")
                                .withKeySerde(Serdes.String()).withValueSerde(Serdes.String()))
                .toStream()
                .to(args[3], Produced.with(Serdes.String(), Serdes.String()));

        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, args[1]);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, COMMIT_INTERVAL_MS);
        props.put(StreamsConfig.STATE_DIR_CONFIG, args[4]);
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
        props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);
        props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), SESSION_TIMEOUT_MS);
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG), 500);
        props.put(StreamsConfig.producerPrefix(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG), Integer.parseInt(args[7]));

        KafkaStreams streams = new KafkaStreams(builder.build(), props);
        streams.setStateListener((now, before) -> out.println("STATE " + now));
        streams.setUncaughtExceptionHandler(e -> {
            e.printStackTrace();
            out.println("FAILED " + e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        streams.start();
    }

    /** The next {@code "COUNT SUM"} of an account after {@code value}. */
    static String add(String account, Long value, String total) {
        int space = total.indexOf(' ');
        long count = Long.parseLong(total, 0, space, 10);
        long sum = Long.parseLong(total, space + 1, total.length(), 10);
        return (count + 1) + " " + (sum + value);
    }

    /**
     * The processing rate of the whole application: a record may pass {@link #await} once its turn
     * has come. Used by the one stream thread only, from every task.
     */
    private static final class Pace {
        private final int recordsPerSecond;
        private long started;
        private long passed;

        Pace(int recordsPerSecond) {
            this.recordsPerSecond = recordsPerSecond;
        }

        void await() {
            if (recordsPerSecond <= 0) return;
            if (passed == 0) started = System.nanoTime();
            passed++;
            sleep(started + passed * TimeUnit.SECONDS.toNanos(1) / recordsPerSecond - System.nanoTime());
        }
    }

    /** Passes records on unchanged, at the application's pace, and pauses for good after {@code pauseAt}. */
    private static final class Pacer implements FixedKeyProcessor<String, Long, Long> {
        private final Pace pace;
        private final long pauseAt;
        private final PrintStream out;
        private FixedKeyProcessorContext<String, Long> context;

        Pacer(Pace pace, long pauseAt, PrintStream out) {
            this.pace = pace;
            this.pauseAt = pauseAt;
            this.out = out;
        }

        @Override
        public void init(FixedKeyProcessorContext<String, Long> context) {
            this.context = context;
        }

        @Override
        public void process(FixedKeyRecord<String, Long> record) {
            context.forward(record); // runs the aggregation and the sink: the producer has the results now
            if (record.value() == pauseAt) {
                out.println("PAUSED " + pauseAt);
                while (true) {
                    sleep(TimeUnit.SECONDS.toNanos(1));
                }
            }
            pace.await();
        }
    }

    private static void sleep(long nanos) {
        if (nanos <= 0) return;
        try {
            TimeUnit.NANOSECONDS.sleep(nanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
