using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using RosterSync.Domain.Events;
using RosterSync.Domain.Model;

namespace RosterSync.Domain.Persistence.Configurations;

internal sealed class RunEventConfiguration : IEntityTypeConfiguration<RunEvent>
{
    public void Configure(EntityTypeBuilder<RunEvent> b)
    {
        b.HasKey(e => new { e.DistrictId, e.Seq });
        b.HasOne<District>().WithMany().HasForeignKey(e => e.DistrictId);
        b.HasIndex(e => e.RunId);
        b.Property(e => e.Counts).HasColumnType("jsonb");
    }
}

internal sealed class EventSequenceConfiguration : IEntityTypeConfiguration<EventSequence>
{
    public void Configure(EntityTypeBuilder<EventSequence> b)
    {
        b.HasKey(s => s.DistrictId);
        b.HasOne<District>().WithMany().HasForeignKey(s => s.DistrictId);
    }
}

internal sealed class WebhookSubscriptionConfiguration : IEntityTypeConfiguration<WebhookSubscription>
{
    public void Configure(EntityTypeBuilder<WebhookSubscription> b)
    {
        b.HasOne<District>().WithMany().HasForeignKey(s => s.DistrictId);
        b.HasIndex(s => new { s.DistrictId, s.Id });
        b.Property(s => s.Url).HasMaxLength(2000);
    }
}

internal sealed class WebhookDeliveryConfiguration : IEntityTypeConfiguration<WebhookDelivery>
{
    public void Configure(EntityTypeBuilder<WebhookDelivery> b)
    {
        b.HasOne<WebhookSubscription>().WithMany().HasForeignKey(d => d.SubscriptionId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(d => new { d.SubscriptionId, d.Id });
        // The sender's scan: due pending deliveries.
        b.HasIndex(d => d.NextAttemptAt).HasFilter("status = 'pending'");
        // The retention purge's scan (EventRetention): finished deliveries by age.
        b.HasIndex(d => d.FinishedAt).HasFilter("status <> 'pending'");
        b.Property(d => d.MessageId).HasMaxLength(40);
    }
}

internal sealed class WebhookAttemptConfiguration : IEntityTypeConfiguration<WebhookAttempt>
{
    public void Configure(EntityTypeBuilder<WebhookAttempt> b)
    {
        b.HasOne<WebhookDelivery>().WithMany().HasForeignKey(a => a.DeliveryId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(a => new { a.DeliveryId, a.Number });
    }
}
