-- MySQL: a shop's schema, in the style of framework migrations
CREATE TABLE `users` (
  `id` BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  `email` VARCHAR(255) NOT NULL,
  `created_at` TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  `updated_at` DATETIME NULL ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (`id`),
  UNIQUE KEY `users_email_unique` (`email`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE TABLE `orders` (
  `id` BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  `user_id` BIGINT UNSIGNED NOT NULL,
  `status` ENUM('new', 'paid', 'shipped') NOT NULL DEFAULT 'new',
  `total` DECIMAL(10, 2) NOT NULL DEFAULT 0.00,
  `meta` JSON NULL,
  KEY `orders_user_id_index` (`user_id`)
) ENGINE=InnoDB;
ALTER TABLE `orders` ADD CONSTRAINT `orders_user_id_foreign` FOREIGN KEY (`user_id`) REFERENCES `users` (`id`) ON DELETE CASCADE;
ALTER TABLE orders ADD COLUMN note TEXT AFTER status;
ALTER TABLE orders MODIFY COLUMN status ENUM('new', 'paid', 'shipped', 'refunded') NOT NULL DEFAULT 'new';
CREATE INDEX idx_orders_status_total ON orders (status, total);
ALTER TABLE orders CHANGE note customer_note VARCHAR(500) NULL;
CREATE TABLE order_lines (order_id BIGINT UNSIGNED NOT NULL, sku VARCHAR(64) NOT NULL, qty INT NOT NULL, price DECIMAL(10,2) NOT NULL, amount DECIMAL(12,2) AS (qty * price) STORED, PRIMARY KEY (order_id, sku));
INSERT INTO users (email) VALUES ('a@example.com') ON DUPLICATE KEY UPDATE email = VALUES(email);
CREATE TABLE tinyflags (id INT UNSIGNED ZEROFILL, flag TINYINT(1) NOT NULL DEFAULT 0);
DROP TABLE IF EXISTS legacy_carts;
