package io.tributary.broker.http;

/**
 * A request the REST API refuses, answered as Kafka REST v3 answers it: the HTTP {@link #status()}
 * and the body {@code {"error_code": errorCode, "message": message}}. The error codes are v3's: the
 * HTTP status itself for errors of the request as such (400 bad JSON, 404 unknown path or cluster,
 * 401, 405), and Kafka REST's fixed codes for errors Kafka reports (40002 a Kafka request refused,
 * 40301 not authorized, 40403 unknown topic or partition, 50002/50003 a Kafka error, retriable or not).
 */
public final class RestException extends RuntimeException {
    /** Kafka REST's fixed codes for errors that come from Kafka. */
    public static final int KAFKA_BAD_REQUEST = 40002;
    public static final int KAFKA_AUTHENTICATION = 40101;
    public static final int KAFKA_AUTHORIZATION = 40301;
    public static final int KAFKA_UNKNOWN_TOPIC_PARTITION = 40403;
    public static final int KAFKA_ERROR = 50002;
    public static final int KAFKA_RETRIABLE_ERROR = 50003;
    public static final int TOO_MANY_REQUESTS = 42901;

    private final int status;
    private final int errorCode;

    public RestException(int status, int errorCode, String message) {
        super(message);
        this.status = status;
        this.errorCode = errorCode;
    }

    /** An error of the HTTP request itself: its code is the status. */
    public RestException(int status, String message) {
        this(status, status, message);
    }

    public int status() {
        return status;
    }

    public int errorCode() {
        return errorCode;
    }

    public static RestException badRequest(String message) {
        return new RestException(400, message);
    }

    public static RestException notFound(String message) {
        return new RestException(404, message);
    }
}
