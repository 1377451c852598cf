<?xml version="1.0" encoding="UTF-8"?>
<!-- feedhub: RSS 2.0 and Atom 1.0 as a readable page. Feed readers ignore this file. -->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:a="http://www.w3.org/2005/Atom"
    xmlns:atom="http://www.w3.org/2005/Atom"
    xmlns:media="http://search.yahoo.com/mrss/"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    exclude-result-prefixes="a atom media dc">
  <xsl:output method="html" encoding="UTF-8" indent="yes" doctype-system="about:legacy-compat"/>

  <xsl:template match="/">
    <xsl:variable name="title" select="rss/channel/title | a:feed/a:title"/>
    <xsl:variable name="self" select="rss/channel/atom:link[@rel='self']/@href | a:feed/a:link[@rel='self']/@href"/>
    <xsl:variable name="site" select="rss/channel/link | a:feed/a:link[@rel='alternate']/@href"/>
    <html lang="{rss/channel/language | a:feed/@xml:lang}">
      <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title><xsl:value-of select="$title"/> (web feed)</title>
        <style>
          body { font: 16px/1.5 system-ui, sans-serif; max-width: 48rem; margin: 0 auto; padding: 1rem; color: #222; }
          .subscribe { background: #fff8e1; border: 1px solid #f0d080; padding: .75rem 1rem; border-radius: 6px; }
          .subscribe code { word-break: break-all; background: #fff; padding: 0 .25rem; }
          article { border-top: 1px solid #ddd; padding: 1rem 0; }
          article h2 { font-size: 1.25rem; margin: 0 0 .25rem; }
          .meta { color: #666; font-size: .875rem; }
          figure { margin: .75rem 0; }
          figure img { max-width: 100%; height: auto; }
          figcaption { font-size: .875rem; color: #444; }
          .credit { color: #777; font-style: italic; }
          .related { font-size: .9rem; }
        </style>
      </head>
      <body>
        <header>
          <h1><xsl:value-of select="$title"/></h1>
          <p><xsl:value-of select="rss/channel/description | a:feed/a:subtitle"/></p>
          <p class="subscribe"><strong>This is a web feed.</strong> To subscribe, copy this address into your
            feed reader: <code><xsl:value-of select="$self"/></code>.
            <xsl:if test="$site"> The site: <a href="{$site}"><xsl:value-of select="$site"/></a>.</xsl:if></p>
        </header>
        <main>
          <xsl:apply-templates select="rss/channel/item | a:feed/a:entry"/>
        </main>
      </body>
    </html>
  </xsl:template>

  <xsl:template match="item | a:entry">
    <article>
      <h2><a href="{link | a:link[@rel='alternate']/@href}"><xsl:value-of select="title | a:title"/></a></h2>
      <p class="meta">
        <xsl:value-of select="pubDate | a:published"/>
        <xsl:for-each select="dc:creator | a:author/a:name"> · <xsl:value-of select="."/></xsl:for-each>
      </p>
      <xsl:apply-templates select="media:content"/>
      <p class="summary"><xsl:value-of select="description | a:summary"/></p>
      <xsl:if test="atom:link[@rel='related'] | a:link[@rel='related']">
        <div class="related">
          <strong>Related:</strong>
          <ul>
            <xsl:for-each select="atom:link[@rel='related'] | a:link[@rel='related']">
              <li><a href="{@href}"><xsl:value-of select="@title"/></a></li>
            </xsl:for-each>
          </ul>
        </div>
      </xsl:if>
    </article>
  </xsl:template>

  <xsl:template match="media:content">
    <figure>
      <img src="{@url}" alt="{media:description}" loading="lazy">
        <xsl:if test="@width"><xsl:attribute name="width"><xsl:value-of select="@width"/></xsl:attribute></xsl:if>
        <xsl:if test="@height"><xsl:attribute name="height"><xsl:value-of select="@height"/></xsl:attribute></xsl:if>
      </img>
      <figcaption>
        <span class="caption"><xsl:value-of select="media:description"/></span>
        <xsl:if test="media:credit"><xsl:text> · </xsl:text><span class="credit">Photo: <xsl:value-of select="media:credit"/></span></xsl:if>
      </figcaption>
    </figure>
  </xsl:template>
</xsl:stylesheet>
