package io.tributary.broker.http;

import io.tributary.broker.Broker;
import io.tributary.broker.client.TestBroker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The web console in a real browser (headless Chromium from Debian's packages, {@link HeadlessChromium}),
 * against a real broker, checked as a user would and confirmed with the real Kafka clients: every
 * page loads without a JavaScript error, a topic created (and deleted) in the console exists (and
 * is gone) for an Admin client, a topic config edited in the console is what Admin describes, a
 * group whose consumer stopped behind the log end shows its lag (table and charts, growing as
 * records arrive), records written by a Kafka producer are shown in the browse view, a record
 * produced in the console is read by a Kafka consumer, and with security on, a failed login and a
 * denied action are shown as readable 401/403 errors. Screenshots of the main pages are written to
 * {@code target/console-screenshots/} (the ones in {@code docs/images/} come from there).
 * Without Chromium the class fails, saying how to install it. One broker and one browser for the class.
 */
class WebConsoleBrowserTest {
    static final Path SCREENSHOTS = Path.of("target", "console-screenshots");

    @TempDir
    static Path dir;
    static Broker broker;
    static Admin admin;
    static HeadlessChromium browser;
    static String console;
    static int views;

    @BeforeAll
    static void start() throws Exception {
        HeadlessChromium.binary(); // fail at once, with the install hint, when there is no browser
        broker = TestBroker.start(dir.resolve("data"), Map.of("http.listeners", "http://127.0.0.1:0",
                "group.initial.rebalance.delay.ms", "0", "offsets.topic.num.partitions", "1"));
        var http = broker.httpAddresses().get(0);
        console = "http://" + http.getHostString() + ":" + http.getPort();
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
        browser = HeadlessChromium.start(dir.resolve("chromium"), 1280, 800);
    }

    @AfterAll
    static void stop() throws Exception {
        if (browser != null) browser.close();
        if (admin != null) admin.close();
        if (broker != null) broker.close();
    }

    /** Opens a console view and waits until it has rendered (or shown an error). */
    static void open(String view) throws Exception {
        browser.evaluate("document.body && (document.body.dataset.state = 'navigating')");
        // a fresh hash each time, so that opening the view shown already renders it again
        browser.navigate(console + "/console/#/" + view + (view.contains("?") ? "&" : "?") + "n=" + (++views));
        browser.waitForJs("['ready', 'error'].includes(document.body.dataset.state)");
    }

    static String text(String selector) {
        return (String) browser.evaluate("(document.querySelector(" + Json.write(selector) + ") || {}).textContent || ''");
    }

    static void assertNoErrors(String view) {
        assertEquals(List.of(), browser.errors(), "JavaScript errors on " + view);
        assertTrue((Boolean) browser.evaluate("document.getElementById('error').hidden"),
                () -> view + " shows an error: " + text("#error"));
    }

    static KafkaProducer<String, byte[]> producer() {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
                new StringSerializer(), new ByteArraySerializer());
    }

    @Test
    void everyPageLoadsWithoutErrorsAndTheScreenshotsAreTaken() throws Exception {
        admin.createTopics(List.of(new NewTopic("orders", 3, (short) 1))).all().get();
        try (KafkaProducer<String, byte[]> p = producer()) {
            for (int i = 0; i < 12; i++) {
                ProducerRecord<String, byte[]> r = new ProducerRecord<>("orders", i % 3, "order-" + i,
                        ("{\"amount\":" + (10 + i) + "}").getBytes(StandardCharsets.UTF_8));
                r.headers().add("source", "shop".getBytes(StandardCharsets.UTF_8));
                p.send(r).get();
            }
        }
        commit("billing", "orders", Map.of(0, 1L, 1, 3L, 2, 4L));

        open("cluster");
        assertNoErrors("cluster");
        assertTrue(text("#nodes tr[data-broker-id='0'] .role").contains("active controller"), text("#nodes"));
        assertTrue(text("#nodes tr[data-broker-id='0'] .role").contains("this node"), text("#nodes"));
        assertEquals(broker.clusterId(), text("#cluster-id-value"));
        browser.screenshot(SCREENSHOTS.resolve("console-cluster.png"), 900);

        open("topics");
        assertNoErrors("topics");
        assertTrue(text("#topics").contains("orders"));
        browser.screenshot(SCREENSHOTS.resolve("console-topics.png"), 900);

        open("topics/orders");
        assertNoErrors("topic");
        assertEquals("0", text("#partitions tr[data-partition='2'] .leader"));
        assertEquals("0", text("#partitions tr[data-partition='2'] .isr"));
        assertTrue(text("#topic-configs").contains("retention.ms"));
        browser.screenshot(SCREENSHOTS.resolve("console-topic.png"), 1100);

        open("groups");
        assertNoErrors("groups");
        assertEquals("4", text("#groups tr[data-group='billing'] .total-lag"));

        open("groups/billing?poll=250");
        assertNoErrors("group");
        browser.waitForJs("document.querySelectorAll(\"[data-chart='*'] polyline\").length === 1"
                + " && document.querySelector(\"[data-chart='*'] polyline\").getAttribute('points').split(' ').length >= 3");

        open("browse/orders?partition=1");
        assertNoErrors("browse");
        assertEquals("order-1", text("#records tr[data-offset='0'] .key"));
        browser.screenshot(SCREENSHOTS.resolve("console-records.png"), 1000);

        open("quotas");
        assertNoErrors("quotas");
        open("configs");
        assertNoErrors("configs");
        assertTrue(text("#broker-configs").contains("http.listeners") || text("#broker-configs").contains("log.dirs"),
                text("#broker-configs"));
        browser.screenshot(SCREENSHOTS.resolve("console-configs.png"), 800);
        assertEquals(List.of(), browser.errors());
    }

    @Test
    void aTopicCreatedInTheConsoleExistsForTheAdminClientAndDeletingItThereRemovesIt() throws Exception {
        open("topics");
        browser.evaluate("document.getElementById('topic-name').value = 'made-in-console';"
                + "document.getElementById('topic-partitions').value = '4';"
                + "document.getElementById('create-topic-button').click()");
        browser.waitForJs("document.querySelector(\"#topics tr[data-topic='made-in-console']\")");
        assertNoErrors("topics after create");
        TopicDescription d = admin.describeTopics(List.of("made-in-console")).allTopicNames().get().get("made-in-console");
        assertEquals(4, d.partitions().size());

        // a config edited on the topic's page is what Admin describes
        open("topics/made-in-console");
        browser.evaluate("document.querySelector(\"input[data-config='retention.ms']\").value = '3600000';"
                + "document.querySelector(\"button[data-save='retention.ms']\").click()");
        browser.waitForJs("document.getElementById('notice')");
        assertNoErrors("topic after config change");
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, "made-in-console");
        assertEquals("3600000", admin.describeConfigs(List.of(resource)).all().get().get(resource).get("retention.ms").value());

        // creating it again is Kafka's refusal, shown readably
        open("topics");
        browser.evaluate("document.getElementById('topic-name').value = 'made-in-console';"
                + "document.getElementById('create-topic-button').click()");
        browser.waitForJs("!document.getElementById('error').hidden");
        assertTrue(text("#error").contains("already exists"), text("#error"));

        open("topics");
        browser.evaluate("document.querySelector(\"button[data-delete='made-in-console']\").click()");
        browser.evaluate("document.querySelector(\"button[data-delete='made-in-console']\").click()");
        browser.waitForJs("!document.querySelector(\"#topics tr[data-topic='made-in-console']\")");
        assertFalse(admin.listTopics().names().get().contains("made-in-console"));
        assertEquals(List.of(), browser.errors());
    }

    @Test
    void aGroupWhoseConsumerStoppedShowsItsLagGrowingOverTime() throws Exception {
        admin.createTopics(List.of(new NewTopic("lagging", 2, (short) 1))).all().get();
        try (KafkaProducer<String, byte[]> p = producer()) {
            for (int i = 0; i < 10; i++) p.send(new ProducerRecord<>("lagging", 0, "k" + i, new byte[] {1})).get();
            for (int i = 0; i < 5; i++) p.send(new ProducerRecord<>("lagging", 1, "k" + i, new byte[] {2})).get();
        }
        // a real consumer reads some records, commits and stops
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.bootstrapServers(), ConsumerConfig.GROUP_ID_CONFIG, "stopped", ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest", ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            c.subscribe(List.of("lagging"));
            long deadline = System.currentTimeMillis() + 15_000;
            while (c.assignment().size() < 2 && System.currentTimeMillis() < deadline) c.poll(Duration.ofMillis(100));
            c.commitSync(Map.of(new TopicPartition("lagging", 0), new OffsetAndMetadata(4),
                    new TopicPartition("lagging", 1), new OffsetAndMetadata(5)));
        }

        open("groups/stopped?poll=250");
        assertNoErrors("group");
        assertEquals("EMPTY", text("#group-state"));
        assertEquals("6", text("#lags tr[data-lag='lagging/0'] .lag"));
        assertEquals("0", text("#lags tr[data-lag='lagging/1'] .lag"));
        assertEquals("6", text("[data-chart='lagging/0'] .lag-now"));

        try (KafkaProducer<String, byte[]> p = producer()) {
            for (int i = 0; i < 3; i++) p.send(new ProducerRecord<>("lagging", 0, "more" + i, new byte[] {3})).get();
        }
        // the page polls on its own: the table and the chart follow the log end
        browser.waitForJs("document.querySelector(\"#lags tr[data-lag='lagging/0'] .lag\").textContent === '9'");
        browser.waitForJs("document.querySelector(\"[data-chart='lagging/0'] .lag-now\").textContent === '9'");
        String points = (String) browser.evaluate("document.querySelector(\"[data-chart='lagging/0'] polyline\").getAttribute('points')");
        List<Double> ys = new ArrayList<>();
        for (String xy : points.split(" ")) ys.add(Double.parseDouble(xy.split(",")[1]));
        assertTrue(ys.get(ys.size() - 1) < ys.get(0), "the lag line rises (smaller y) from 6 to 9: " + points);
        assertNoErrors("group after more records");
        browser.screenshot(SCREENSHOTS.resolve("console-group.png"), 1100);
    }

    @Test
    void recordsFromAKafkaProducerAreShownAndARecordProducedInTheConsoleIsReadByAKafkaConsumer() throws Exception {
        admin.createTopics(List.of(new NewTopic("browsed", 2, (short) 1))).all().get();
        try (KafkaProducer<String, byte[]> p = producer()) {
            for (int i = 0; i < 5; i++) {
                ProducerRecord<String, byte[]> r = new ProducerRecord<>("browsed", 1, 1_700_000_000_000L + i, "key-" + i,
                        ("value " + i + " ünïcode").getBytes(StandardCharsets.UTF_8));
                r.headers().add(new RecordHeader("trace", ("t" + i).getBytes(StandardCharsets.UTF_8)));
                p.send(r).get();
            }
            p.send(new ProducerRecord<>("browsed", 1, null, new byte[] {(byte) 0xff, 0, (byte) 0xfe})).get();
        }
        open("browse/browsed?partition=1&offset=2");
        assertNoErrors("browse");
        assertEquals(4L, browser.evaluate("document.querySelectorAll('#records tbody tr').length"));
        assertEquals("key-2", text("#records tr[data-offset='2'] .key"));
        assertEquals("value 2 ünïcode", text("#records tr[data-offset='2'] .value"));
        assertEquals("trace=t2", text("#records tr[data-offset='2'] .headers"));
        assertTrue(text("#records tr[data-offset='2']").contains("2023-11-14T22:13:20.002Z"), text("#records tr[data-offset='2']"));
        assertEquals("null", text("#records tr[data-offset='5'] .key"));
        assertEquals("base64" + Base64.getEncoder().encodeToString(new byte[] {(byte) 0xff, 0, (byte) 0xfe}),
                text("#records tr[data-offset='5'] .value"));

        browser.evaluate("document.getElementById('produce-partition').value = '0';"
                + "document.getElementById('produce-key').value = 'from-console';"
                + "document.getElementById('produce-value').value = 'hello from the browser';"
                + "document.getElementById('produce-headers').value = 'origin=console\\nlang=en';"
                + "document.getElementById('produce-send').click()");
        browser.waitForJs("document.getElementById('notice') && document.querySelector(\"#records tr[data-offset='0']\")");
        assertNoErrors("browse after produce");
        assertEquals("hello from the browser", text("#records tr[data-offset='0'] .value"));

        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.bootstrapServers()), new StringDeserializer(), new StringDeserializer())) {
            TopicPartition tp = new TopicPartition("browsed", 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            List<ConsumerRecord<String, String>> got = new ArrayList<>();
            long deadline = System.currentTimeMillis() + 10_000;
            while (got.isEmpty() && System.currentTimeMillis() < deadline) c.poll(Duration.ofMillis(200)).forEach(got::add);
            assertEquals(1, got.size());
            ConsumerRecord<String, String> r = got.get(0);
            assertEquals("from-console", r.key());
            assertEquals("hello from the browser", r.value());
            assertEquals("console", new String(r.headers().lastHeader("origin").value(), StandardCharsets.UTF_8));
            assertEquals("en", new String(r.headers().lastHeader("lang").value(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void withSecurityOnAWrongLoginIsA401AndADeniedActionA403ShownInThePage() throws Exception {
        Map<String, String> props = new HashMap<>();
        props.put("listeners", "SASL_PLAINTEXT://127.0.0.1:0");
        props.put("sasl.enabled.mechanisms", "SCRAM-SHA-256");
        props.put("tributary.sasl.scram.initial.users",
                "SCRAM-SHA-256=[name=admin,password=admin-secret];SCRAM-SHA-256=[name=alice,password=alice-secret]");
        props.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
        props.put("super.users", "User:admin");
        props.put("http.listeners", "http://127.0.0.1:0");
        try (Broker secured = TestBroker.start(dir.resolve("secured"), props)) {
            var http = secured.httpAddresses().get(0);
            String base = "http://" + http.getHostString() + ":" + http.getPort() + "/console/#/";

            // the user dismisses the browser's login prompt: the page says a login is needed
            browser.answerLoginPrompts(null, null);
            browser.navigate(base + "topics");
            browser.waitForJs("document.body.dataset.state === 'error'");
            assertEquals("401", browser.evaluate("document.getElementById('error').dataset.status"));
            assertTrue(text("#error").contains("401 Unauthorized"), text("#error"));
            assertTrue(text("#error").contains("Authentication is required"), text("#error"));

            // a wrong password
            browser.answerLoginPrompts("alice", "wrong");
            browser.navigate(base + "topics?1");
            browser.waitForJs("document.body.dataset.state === 'error'");
            assertEquals("401", browser.evaluate("document.getElementById('error').dataset.status"));
            assertTrue(text("#error").contains("invalid credentials"), text("#error"));

            // alice logs in, but the ACLs do not let her create a topic
            browser.answerLoginPrompts("alice", "alice-secret");
            browser.navigate(base + "topics?2");
            browser.waitForJs("document.body.dataset.state === 'ready'");
            browser.evaluate("document.getElementById('topic-name').value = 'not-for-alice';"
                    + "document.getElementById('create-topic-button').click()");
            browser.waitForJs("!document.getElementById('error').hidden");
            assertEquals("403", browser.evaluate("document.getElementById('error').dataset.status"));
            assertTrue(text("#error").contains("403 Forbidden"), text("#error"));
            browser.screenshot(SCREENSHOTS.resolve("console-forbidden.png"), 500);
        } finally {
            browser.stopAnsweringLoginPrompts();
        }
        assertEquals(List.of(), browser.errors());
    }

    /** Commits {@code offsets} of {@code topic} for {@code group} with a real consumer that then leaves. */
    private static void commit(String group, String topic, Map<Integer, Long> offsets) {
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.bootstrapServers(), ConsumerConfig.GROUP_ID_CONFIG, group), new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            Map<TopicPartition, OffsetAndMetadata> m = new HashMap<>();
            offsets.forEach((p, o) -> m.put(new TopicPartition(topic, p), new OffsetAndMetadata(o)));
            c.commitSync(m);
        }
    }
}
