package io.tributary.ra.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a deployer gets from the adapter's, a factory's and an activation's string properties. */
class ConfigPropertiesTest {

    /** The rejection, checked to name the property and to quote the bad value. */
    private static InvalidPropertyValueException rejected(String property, String badValue, Executable parse) {
        InvalidPropertyValueException e = assertThrows(InvalidPropertyValueException.class, parse);
        assertTrue(e.getMessage().contains(property), "names " + property + ": " + e.getMessage());
        assertTrue(e.getMessage().contains(badValue), "quotes " + badValue + ": " + e.getMessage());
        assertEquals(property, e.property());
        return e;
    }

    @Test
    void nameValuePairsKeepTheirOrderAreTrimmedAndMayStandOneALine() {
        Map<String, String> pairs = ConfigProperties.nameValuePairs("brokerProperties",
                " num.partitions = 4 ;log.retention.ms=1000;\n\nmetadata.max.age.ms=3000\r\nnum.partitions=6;;");
        assertEquals(List.of("num.partitions", "log.retention.ms", "metadata.max.age.ms"), List.copyOf(pairs.keySet()));
        assertEquals("6", pairs.get("num.partitions"), "a name given twice keeps its last value");
        assertEquals("1000", pairs.get("log.retention.ms"));
        assertEquals("3000", pairs.get("metadata.max.age.ms"));
        assertEquals(Map.of("ssl.key.password", "a=b"), ConfigProperties.nameValuePairs("consumerProperties", "ssl.key.password=a=b"),
                "only the first = separates name and value");
        assertEquals(Map.of("compression.type", ""), ConfigProperties.nameValuePairs("producerProperties", "compression.type="));
    }

    /** A JAAS configuration as Kafka's documentation writes it, with the pairs around it. */
    @Test
    void jaasConfigurationsKeepTheirSemicolonsQuotesAndEquals() {
        String jaas = "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"app\" password=\"p;w=d\";";
        Map<String, String> pairs = ConfigProperties.nameValuePairs("clientProperties",
                "security.protocol=SASL_SSL;sasl.jaas.config=" + jaas + ";sasl.mechanism=SCRAM-SHA-256");
        assertEquals(Map.of("security.protocol", "SASL_SSL", "sasl.jaas.config", jaas, "sasl.mechanism", "SCRAM-SHA-256"), pairs);
        assertEquals(jaas, ConfigProperties.nameValuePairs("clientProperties", "sasl.jaas.config=" + jaas).get("sasl.jaas.config"),
                "the terminating ; at the end of the text");
        assertEquals(jaas, ConfigProperties.nameValuePairs("brokerProperties",
                "listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=" + jaas + "\nnum.partitions=2")
                .get("listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config"), "one a line, with a listener prefix");
        assertEquals(Map.of("ssl.key.password", "a;b\\c"), ConfigProperties.nameValuePairs("clientProperties",
                "ssl.key.password=a\\;b\\\\c"), "\\; is a semicolon and \\\\ a backslash");
    }

    /** A secret the server resolved into a system property (a Payara password alias, say) inside a JAAS configuration. */
    @Test
    void systemPropertyAndEnvironmentReferencesAreExpandedAndKafkasConfigProvidersLeftAlone() {
        Map<String, String> system = Map.of("tributary.secret.orders", "pa$$w;rd\\1");
        Map<String, String> env = Map.of("TRUSTSTORE_PASSWORD", "changeit");
        Map<String, String> pairs = ConfigProperties.nameValuePairs("clientProperties",
                "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username=\"orders\" "
                        + "password=\"${tributary.secret.orders}\";ssl.truststore.password=${ENV=TRUSTSTORE_PASSWORD};"
                        + "ssl.keystore.password=${file:/etc/secrets.properties:keystore}", system::get, env::get);
        assertEquals("org.apache.kafka.common.security.plain.PlainLoginModule required username=\"orders\" "
                + "password=\"pa$$w;rd\\1\";", pairs.get("sasl.jaas.config"));
        assertEquals("changeit", pairs.get("ssl.truststore.password"));
        assertEquals("${file:/etc/secrets.properties:keystore}", pairs.get("ssl.keystore.password"), "a Kafka config provider's");

        InvalidPropertyValueException e = assertThrows(InvalidPropertyValueException.class, () -> ConfigProperties
                .nameValuePairs("clientProperties", "ssl.key.password=${tributary.secret.missing}", system::get, env::get));
        assertEquals("clientProperties: the value of ssl.key.password refers to system property tributary.secret.missing, "
                + "which is not set", e.getMessage());
    }

    @Test
    void anUnclosedQuoteIsRefusedWithoutQuotingTheSecret() {
        InvalidPropertyValueException e = assertThrows(InvalidPropertyValueException.class, () -> ConfigProperties
                .nameValuePairs("clientProperties", "sasl.jaas.config=x required password=\"s3cret;acks=all"));
        assertTrue(e.getMessage().contains("sasl.jaas.config"), e.getMessage());
        assertFalse(e.getMessage().contains("s3cret"), e.getMessage());
    }

    @Test
    void unsetNameValuePairsAreEmpty() {
        assertEquals(Map.of(), ConfigProperties.nameValuePairs("brokerProperties", null));
        assertEquals(Map.of(), ConfigProperties.nameValuePairs("brokerProperties", ""));
        assertEquals(Map.of(), ConfigProperties.nameValuePairs("brokerProperties", " ; \n "));
    }

    @Test
    void aPairWithoutEqualsOrWithoutNameIsRejectedNamingThePropertyAndThePair() {
        rejected("consumerProperties", "fetch.min.bytes",
                () -> ConfigProperties.nameValuePairs("consumerProperties", "max.poll.interval.ms=1000;fetch.min.bytes"));
        InvalidPropertyValueException e = rejected("brokerProperties", "=4",
                () -> ConfigProperties.nameValuePairs("brokerProperties", "num.partitions=2;=4"));
        assertEquals("num.partitions=2;=4", e.value(), "the whole value is kept for the caller");
        rejected("producerProperties", "acks", () -> ConfigProperties.nameValuePairs("producerProperties", "acks"));
    }

    @Test
    void commaListsAreTrimmedWithoutEmptyEntries() {
        assertEquals(List.of("orders", "payments"), ConfigProperties.commaList(" orders, payments ,,"));
        assertEquals(List.of(), ConfigProperties.commaList(""));
        assertEquals(List.of(), ConfigProperties.commaList(null));
    }

    @Test
    void unsetValuesTakeTheirDefaultAndSetOnesAreTrimmed() {
        assertFalse(ConfigProperties.isSet(null));
        assertFalse(ConfigProperties.isSet(" \t"));
        assertTrue(ConfigProperties.isSet("x"));
        assertEquals("tributary", ConfigProperties.orDefault(null, "tributary"));
        assertEquals("tributary", ConfigProperties.orDefault("  ", "tributary"));
        assertEquals("orders-cluster", ConfigProperties.orDefault(" orders-cluster ", "tributary"));
    }

    @Test
    void aRequiredValueMustBeSet() {
        assertEquals("order-store", ConfigProperties.required("groupId", "order-store"));
        rejected("groupId", "' '", () -> ConfigProperties.required("groupId", " "));
        assertThrows(InvalidPropertyValueException.class, () -> ConfigProperties.required("groupId", null));
    }

    @Test
    void aChoiceIsMatchedInAnyCaseAndAnythingElseIsRejectedWithTheChoices() {
        List<String> resets = List.of("earliest", "latest", "none");
        assertEquals("latest", ConfigProperties.oneOf("autoOffsetReset", "LATEST", resets));
        assertEquals("earliest", ConfigProperties.oneOf("autoOffsetReset", "earliest", resets));
        InvalidPropertyValueException e = rejected("autoOffsetReset", "sometimes",
                () -> ConfigProperties.oneOf("autoOffsetReset", "sometimes", resets));
        assertTrue(e.getMessage().contains("earliest, latest or none"), e.getMessage());
        rejected("autoOffsetReset", "null", () -> ConfigProperties.oneOf("autoOffsetReset", null, resets));
    }

    @Test
    void aNumberBelowItsBoundOrMissingIsRejectedWithTheBound() {
        assertEquals(1, ConfigProperties.atLeast("concurrency", 1, 1));
        assertEquals(0L, ConfigProperties.atLeast("redeliveryBackoff", 0L, 0));
        InvalidPropertyValueException e = rejected("concurrency", "0", () -> ConfigProperties.atLeast("concurrency", 0, 1));
        assertTrue(e.getMessage().contains("at least 1"), e.getMessage());
        rejected("redeliveryBackoff", "-5", () -> ConfigProperties.atLeast("redeliveryBackoff", -5L, 0));
        rejected("maxPollRecords", "null", () -> ConfigProperties.atLeast("maxPollRecords", null, 1));
    }

    @Test
    void exactlyOneOfTwoAlternativesMustBeSet() {
        ConfigProperties.exactlyOne("topics", "orders", "topicPattern", "");
        ConfigProperties.exactlyOne("topics", null, "topicPattern", "orders-.*");
        InvalidPropertyValueException both = assertThrows(InvalidPropertyValueException.class,
                () -> ConfigProperties.exactlyOne("topics", "orders", "topicPattern", "orders-.*"));
        assertTrue(both.getMessage().contains("topics='orders'") && both.getMessage().contains("topicPattern='orders-.*'"),
                both.getMessage());
        InvalidPropertyValueException neither = assertThrows(InvalidPropertyValueException.class,
                () -> ConfigProperties.exactlyOne("topics", " ", "topicPattern", null));
        assertTrue(neither.getMessage().contains("topics") && neither.getMessage().contains("topicPattern"), neither.getMessage());
    }
}
