using Microsoft.EntityFrameworkCore;

namespace CareLedger.Identity.Storage;

/// <summary>DATA/identity.db: people's accounts beside OpenIddict's applications, authorizations and tokens.</summary>
internal sealed class IdentityDbContext(DbContextOptions<IdentityDbContext> options) : DbContext(options)
{
    public DbSet<UserRecord> Users => Set<UserRecord>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        // OpenIddict's entities come from DbContextOptionsBuilder.UseOpenIddict() (IdentityDatabase.Configure).
        base.OnModelCreating(modelBuilder);
        modelBuilder.Entity<UserRecord>(user =>
        {
            user.ToTable("Users");
            user.HasKey(u => u.Id);
            user.HasIndex(u => u.UserName).IsUnique();
            user.Property(u => u.Id).HasMaxLength(32);
            user.Property(u => u.UserName).HasMaxLength(64);
            user.Property(u => u.Role).HasMaxLength(32);
            user.Property(u => u.FhirReference).HasMaxLength(200);
            user.Property(u => u.PatientId).HasMaxLength(64);
        });
    }
}
