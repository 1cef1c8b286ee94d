package io.tributary.examples;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.Size;

/**
 * An order as it travels as JSON through the {@code orders} topic. The constraints are checked
 * where orders come in over HTTP ({@link OrdersResource}): an order that breaks one is answered
 * with 400 and never sent.
 */
public class Order {
    @Size(max = 64, message = "must be at most 64 characters")
    private String id;
    @NotBlank(message = "is required")
    @Size(max = 255, message = "must be at most 255 characters")
    private String customer;
    @Positive(message = "must be a positive number of cents")
    private long amountCents;

    public Order() {
    }

    public Order(String id, String customer, long amountCents) {
        this.id = id;
        this.customer = customer;
        this.amountCents = amountCents;
    }

    public String getId() { return id; }
    public void setId(String id) { this.id = id; }
    public String getCustomer() { return customer; }
    public void setCustomer(String customer) { this.customer = customer; }
    public long getAmountCents() { return amountCents; }
    public void setAmountCents(long amountCents) { this.amountCents = amountCents; }
}
