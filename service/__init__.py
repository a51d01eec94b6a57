"""Minnes: draft meeting minutes by email, structured, signed, archived and delivered."""
