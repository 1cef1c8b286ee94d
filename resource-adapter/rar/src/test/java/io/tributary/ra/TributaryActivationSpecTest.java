package io.tributary.ra;

import io.tributary.ra.inbound.TributaryActivationSpec;
import jakarta.resource.spi.InvalidPropertyException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a deployer sees when an MDB's activation properties are wrong: the property is named. */
class TributaryActivationSpecTest {

    private static TributaryActivationSpec valid() {
        TributaryActivationSpec s = new TributaryActivationSpec();
        s.setTopics("orders");
        s.setGroupId("order-store");
        return s;
    }

    private static String rejection(TributaryActivationSpec s) {
        return assertThrows(InvalidPropertyException.class, s::validate).getMessage();
    }

    @Test
    void aSpecWithTopicsAndGroupIdIsValidAndListsItsTopics() {
        TributaryActivationSpec s = valid();
        s.setTopics(" orders, payments ,");
        s.setAutoOffsetReset("LATEST");
        assertDoesNotThrow(s::validate);
        assertEquals(List.of("orders", "payments"), s.topicList());
        assertEquals("orders.DLT", s.deadLetterTopicFor("orders"));
        s.setDeadLetterTopic("failures");
        assertEquals("failures", s.deadLetterTopicFor("orders"));
    }

    @Test
    void aMissingGroupIdIsRejectedNamingGroupId() {
        TributaryActivationSpec s = valid();
        s.setGroupId(" ");
        assertTrue(rejection(s).contains("groupId"));
        s.setGroupId(null);
        assertTrue(rejection(s).contains("groupId"));
    }

    @Test
    void bothTopicsAndTopicPatternAreRejectedNamingBoth() {
        TributaryActivationSpec s = valid();
        s.setTopicPattern("orders-.*");
        String message = rejection(s);
        assertTrue(message.contains("topics") && message.contains("topicPattern"), message);
    }

    @Test
    void neitherTopicsNorTopicPatternIsRejectedNamingBoth() {
        TributaryActivationSpec s = valid();
        s.setTopics("");
        String message = rejection(s);
        assertTrue(message.contains("topics") && message.contains("topicPattern"), message);
        s.setTopicPattern("orders-.*");
        assertDoesNotThrow(s::validate, "a pattern alone is enough");
    }

    @Test
    void anUnknownAutoOffsetResetIsRejectedNamingTheProperty() {
        TributaryActivationSpec s = valid();
        s.setAutoOffsetReset("sometimes");
        String message = rejection(s);
        assertTrue(message.contains("autoOffsetReset") && message.contains("sometimes"), message);
    }

    @Test
    void anUnknownIsolationLevelIsRejectedAndReadCommittedIsTheDefault() {
        TributaryActivationSpec s = valid();
        assertEquals("read_committed", s.isolationLevelValue());
        s.setIsolationLevel("Read_Uncommitted");
        assertEquals("read_uncommitted", s.isolationLevelValue());
        s.setIsolationLevel("read_dirty");
        String message = rejection(s);
        assertTrue(message.contains("isolationLevel") && message.contains("read_dirty"), message);
    }

    @Test
    void outOfRangeNumbersAndMalformedConsumerPropertiesAreRejectedNamingThePropertyAndTheValue() {
        TributaryActivationSpec s = valid();
        s.setConcurrency(0);
        assertRejected(s, "concurrency", "0");
        s = valid();
        s.setMaxPollRecords(0);
        assertRejected(s, "maxPollRecords", "0");
        s = valid();
        s.setMaxRedeliveries(-1);
        assertRejected(s, "maxRedeliveries", "-1");
        s = valid();
        s.setRedeliveryBackoff(-5L);
        assertRejected(s, "redeliveryBackoff", "-5");
        s = valid();
        s.setConsumerProperties("max.poll.interval.ms=60000;fetch.min.bytes");
        assertRejected(s, "consumerProperties", "'fetch.min.bytes'");
    }

    @Test
    void backoffsThatCannotWorkAreRejectedNamingThePropertyAndTheValue() throws InvalidPropertyException {
        TributaryActivationSpec s = valid();
        s.setRedeliveryBackoffMultiplier(0.5);
        assertRejected(s, "redeliveryBackoffMultiplier", "0.5");
        s = valid();
        s.setRedeliveryBackoffMax(-1L);
        assertRejected(s, "redeliveryBackoffMax", "-1");
        s = valid();
        s.setOutageBackoff(0L);
        assertRejected(s, "outageBackoff", "0");
        s = valid();
        s.setOutageBackoffMax(0L);
        assertRejected(s, "outageBackoffMax", "0");
        s = valid();
        s.setRetryableExceptions(" com.example.GatewayDown, java.sql.SQLTimeoutException,");
        s.setNonRetryableExceptions("java.lang.IllegalArgumentException");
        s.validate();
        assertEquals(java.util.List.of("com.example.GatewayDown", "java.sql.SQLTimeoutException"), s.retryableExceptionList());
        assertEquals(java.util.List.of("java.lang.IllegalArgumentException"), s.nonRetryableExceptionList());
    }

    @Test
    void theConsumerGetsTheParsedPropertiesAndTheLowerCaseOffsetReset() throws InvalidPropertyException {
        TributaryActivationSpec s = valid();
        s.setConsumerProperties("metadata.max.age.ms=3000; fetch.min.bytes = 1");
        s.setAutoOffsetReset("Latest");
        s.validate();
        assertEquals(Map.of("metadata.max.age.ms", "3000", "fetch.min.bytes", "1"), s.consumerPropertyMap());
        assertEquals("latest", s.autoOffsetResetValue());
        assertFalse(s.usesTopicPattern());
        s.setTopics("");
        s.setTopicPattern("orders-.*");
        assertTrue(s.usesTopicPattern());
    }

    private static void assertRejected(TributaryActivationSpec s, String property, String value) {
        String message = rejection(s);
        assertTrue(message.contains(property) && message.contains(value), message);
    }
}
