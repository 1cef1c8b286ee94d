package io.tributary.examples;

/** An order as it travels as JSON through the {@code orders} topic. */
public class Order {
    private String id;
    private String customer;
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
