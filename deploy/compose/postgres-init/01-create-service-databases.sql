-- One PostgreSQL server, one database per service. settings.py derives each service's
-- database from DATABASE_URL as <name>_<alias>; with DATABASE_URL=.../socialapp these are
-- the five below. The official postgres image runs this file once, when it initialises an
-- empty data volume (`docker compose down -v` to run it again).
CREATE DATABASE socialapp_auth;
CREATE DATABASE socialapp_users;
CREATE DATABASE socialapp_feed;
CREATE DATABASE socialapp_media;
CREATE DATABASE socialapp_notifications;
